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
import { CanaryMatcher, LeafStarts, matchGeo } from './canaries.js';
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
    // Pushed, not preallocated: a preallocated array stays holey, and joins more slowly. Where
    // each text starts in `joined` is worked out only when something matches.
    const texts: string[] = [];
    for (let index = 0; index < decoded.leaves.length; index++) texts.push(decoded.leaves[index]!.text);
    const starts = new LeafStarts(decoded.leaves);
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
    // Field by field rather than by spreading: this runs for every detection of every flow.
    for (const detection of detectPatterns(decoded, joined, starts)) detections.push(tagged(detection, 'pattern'));
    for (const detection of detectSdkFields(flow.host, decoded.leaves)) detections.push(tagged(detection, 'adapter'));
    if (useTrackhar && context.destination.kind !== 'first-party') {
      for (const detection of detectTrackhar(flow)) detections.push(tagged(detection, 'adapter'));
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

function tagged(
  detection: Detection,
  kind: 'pattern' | 'adapter',
): Detection & { kind: Finding['detectorKind']; transforms: string[] } {
  return {
    leaf: detection.leaf,
    category: detection.category,
    detector: detection.detector,
    value: detection.value,
    kind,
    transforms: [],
  };
}

/**
 * The decoding layers a path went through: `query.d|base64|json.lat` → base64, json (what
 * `/\|([a-z0-9-]+)/g` matches, without a regular expression: this runs for every finding).
 */
export function layersOf(path: string): string[] {
  const layers: string[] = [];
  for (let bar = path.indexOf('|'); bar >= 0; bar = path.indexOf('|', bar + 1)) {
    let end = bar + 1;
    while (end < path.length && isLayerCode(path.charCodeAt(end))) end++;
    if (end > bar + 1) layers.push(path.slice(bar + 1, end));
  }
  return layers;
}

/** `[a-z0-9-]` */
function isLayerCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45;
}
