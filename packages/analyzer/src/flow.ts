import {
  compareFindingsInFlow,
  findingRole,
  redactValue,
  type AnalyzedFlow,
  type Canary,
  type DataCategory,
  type Finding,
  type FlowRecord,
  type ProtectionReport,
} from '@conformance/core';
import { detectSdkFields, detectTrackhar } from './adapters.js';
import { CanaryMatcher, matchGeo } from './canaries.js';
import { decodeFlow } from './decode.js';
import { detectPatterns, type Detection } from './detectors.js';
import { candidatesOf, type FlowCandidates } from './differential.js';
import { findEnvelope } from './envelope.js';
import { classifyProtection } from './protection.js';

export interface FlowAnalyzerOptions {
  /** Planted and harvested values to look for. */
  canaries?: readonly Canary[];
  /** How close a coordinate must be to the planted geolocation, in metres (default 100). */
  geoToleranceM?: number;
  /** How many nested encoding layers to peel (default 4). */
  maxDepth?: number;
  /** Run trackhar's adapters (default true). */
  trackhar?: boolean;
  /** Keep the identifier-looking values of third-party flows for differential discovery (`FlowResult.candidates`). */
  identifierCandidates?: boolean;
}

export type FlowContext = Pick<AnalyzedFlow, 'scenario' | 'phase' | 'destination'>;

export interface FlowResult {
  findings: Finding[];
  protection: ProtectionReport;
  /** With `identifierCandidates`, for third-party flows: the values differential discovery compares. */
  candidates?: FlowCandidates;
}

/** Detector precedence when two detectors report the same category at the same place. */
const precedence = { canary: 0, adapter: 1, pattern: 2, differential: 3 } as const;

/**
 * Analyses flows one at a time: decode, match canaries in one pass, run the pattern
 * detectors and tracker adapters, classify the payload. Nothing is kept between flows
 * except the compiled canary automaton, so memory stays flat however many flows stream through.
 */
export function createFlowAnalyzer(options: FlowAnalyzerOptions = {}): (flow: FlowRecord, context: FlowContext) => FlowResult {
  const matcher = new CanaryMatcher(options.canaries ?? []);
  const tolerance = options.geoToleranceM ?? 100;
  const useTrackhar = options.trackhar ?? true;
  const decodeOptions = { maxDepth: options.maxDepth ?? 4 };
  const keepCandidates = options.identifierCandidates ?? false;
  return (flow, context) => {
    const decoded = decodeFlow(flow, decodeOptions);
    const candidates =
      keepCandidates && (context.destination.kind === 'third-party' || context.destination.kind === 'declared-sdk')
        ? candidatesOf(decoded.leaves)
        : undefined;
    const starts = new Int32Array(decoded.leaves.length);
    let offset = 0;
    const texts: string[] = new Array<string>(decoded.leaves.length);
    for (let index = 0; index < decoded.leaves.length; index++) {
      const text = decoded.leaves[index]!.text;
      starts[index] = offset;
      texts[index] = text;
      offset += text.length + 1;
    }
    const joined = texts.join('\n');
    const detections: Array<Detection & { kind: Finding['detectorKind']; transforms: string[] }> = [];
    for (const match of matcher.match(decoded.leaves, joined, starts)) {
      detections.push({
        leaf: match.leaf,
        category: match.variant.category,
        detector: `canary:${match.variant.kind}`,
        value: match.matched,
        kind: 'canary',
        transforms: match.variant.transforms,
      });
    }
    for (const match of matchGeo(matcher.geo, decoded.numbers, tolerance)) {
      detections.push({
        leaf: { path: match.latitude.path, key: match.latitude.key, text: '' },
        category: match.canary.category,
        detector: 'canary:geolocation',
        value: `${match.latitude.value},${match.longitude.value}`,
        kind: 'canary',
        transforms: match.latitude.parent === match.longitude.parent ? [] : ['split'],
      });
    }
    for (const detection of detectPatterns(decoded, joined, starts))
      detections.push({ ...detection, kind: 'pattern', transforms: [] });
    for (const detection of detectSdkFields(flow.host, decoded.leaves))
      detections.push({ ...detection, kind: 'adapter', transforms: [] });
    if (useTrackhar && context.destination.kind !== 'first-party') {
      for (const detection of detectTrackhar(flow)) detections.push({ ...detection, kind: 'adapter', transforms: [] });
    }
    // Most flows carry nothing personal.
    if (detections.length === 0) {
      const envelope = decoded.binaries.length > 0 ? findEnvelope(decoded, []) : undefined;
      const protection = classifyProtection(decoded.body, false, envelope);
      return candidates ? { findings: [], protection, candidates } : { findings: [], protection };
    }

    const chosen = new Map<string, (typeof detections)[number]>();
    for (const detection of detections) {
      const key = `${detection.leaf.path}\u0000${detection.category}`;
      const previous = chosen.get(key);
      if (!previous || precedence[detection.kind] < precedence[previous.kind]) chosen.set(key, detection);
    }
    const inSubject = [...chosen.values()].filter((d) => d.leaf.path.startsWith(decoded.body.subject)).map((d) => d.leaf.path);
    const personalData = inSubject.length > 0;
    const envelope = decoded.binaries.length > 0 ? findEnvelope(decoded, inSubject) : undefined;
    const protection = classifyProtection(decoded.body, personalData, envelope, inSubject);
    const findings = [...chosen.values()]
      .map((detection): Finding => ({
        id: '',
        flowId: flow.id,
        scenario: context.scenario,
        phase: context.phase,
        category: detection.category as DataCategory,
        role: findingRole(detection.category as DataCategory, detection.leaf.key),
        detector: detection.detector,
        detectorKind: detection.kind,
        value: redactValue(detection.value),
        path: detection.leaf.path,
        transforms: [...layersOf(detection.leaf.path), ...detection.transforms],
        destination: context.destination,
        host: flow.host,
        transport: flow.scheme,
        protection: protection.class,
      }))
      .sort(compareFindingsInFlow);
    findings.forEach((finding, index) => (finding.id = `${context.scenario}/${flow.id}/${index + 1}`));
    return candidates ? { findings, protection, candidates } : { findings, protection };
  };
}

/** The decoding layers a path went through: `query.d|base64|json.lat` → base64, json. */
function layersOf(path: string): string[] {
  const layers: string[] = [];
  for (const match of path.matchAll(/\|([a-z0-9-]+)/g)) layers.push(match[1]!);
  return layers;
}
