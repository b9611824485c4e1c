import {
  entryUrl,
  launchedAt,
  phaseAt,
  type Analysis,
  type AnalyzedFlow,
  type AnalyzedScenario,
  type EvidenceBundle,
  type FlowRecord,
  type ProtectionReport,
} from '@conformance/core';
import { attributeFlows } from './attribution.js';
import { classifyDestination } from './destination.js';
import { discoverIdentifiers, type FlowCandidates } from './differential.js';
import { createFlowAnalyzer, type FlowAnalyzerOptions } from './flow.js';
import { permissiveTrackers, trackerLookup, type TrackerDatabase, type TrackerLookup } from './trackers.js';

export interface AnalyzeOptions extends Omit<FlowAnalyzerOptions, 'canaries'> {
  /**
   * Which tracker database names third-party hosts: `'default'` (permissively licensed data),
   * `'ghostery'` (the Ghostery Tracker Database, CC-BY-NC-SA-4.0, opt-in) or any lookup.
   * Only `destination.tracker` depends on it.
   */
  trackers?: TrackerDatabase | TrackerLookup;
}

/**
 * Tags every flow with its phase and destination, finds personal data in it and
 * classifies its payload protection, then compares scenarios for identifiers nobody planted
 * (differential discovery, `analysis.identifiers`). Pure: the same bundle always gives the same
 * analysis, findings in bundle order (scenario, flow start time, path).
 */
export function analyzeBundle(bundle: EvidenceBundle, options: AnalyzeOptions = {}): Analysis {
  const noiseHosts = new Set<string>();
  let noiseFlows = 0;
  const trackers =
    typeof options.trackers === 'function'
      ? options.trackers
      : options.trackers
        ? trackerLookup(options.trackers)
        : permissiveTrackers();
  const analyzeFlow = createFlowAnalyzer({ ...options, canaries: bundle.canaries ?? [], identifierCandidates: true });
  const candidates = new Map<string, FlowCandidates>();
  const scenarios = bundle.scenarios.map((evidence): AnalyzedScenario => {
    const launch = launchedAt(evidence.timeline);
    const flows = [...evidence.flows]
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((flow): AnalyzedFlow => {
        const destination = classifyDestination(flow.host, bundle.manifest, trackers, bundle.baselineHosts);
        if (destination.kind === 'platform') {
          noiseHosts.add(flow.host);
          noiseFlows++;
        }
        const phase = phaseAt(flow.startedAt, evidence.timeline);
        const context = { scenario: evidence.scenario, phase, destination };
        let result: ReturnType<typeof analyzeFlow>;
        let analysisError: string | undefined;
        try {
          result = analyzeFlow(withBody(flow, evidence.scenario, bundle.readBody), context);
        } catch (error) {
          // Whatever an app sends, the analysis goes on: the flow is kept, its failure recorded.
          analysisError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          result = { findings: [], protection: unanalysable(analysisError) };
        }
        const { findings, protection, candidates: found } = result;
        if (found && found.leaves.length > 0) candidates.set(`${evidence.scenario}\u0000${flow.id}`, found);
        return {
          ...(analysisError ? { analysisError } : {}),
          scenario: evidence.scenario,
          flow,
          phase,
          destination,
          sinceLaunchMs: launch === undefined ? null : Math.round(flow.startedAt - launch),
          findings,
          protection,
        };
      });
    const entry = entryUrl(bundle.manifest);
    // Web: the proxy saw the app load its entry page. Native: the proxy saw the device's traffic at all.
    const captureLive =
      evidence.capture.ready &&
      (bundle.manifest.platform === 'web'
        ? flows.some((f) => f.flow.host === entry.hostname && f.flow.path.split('?')[0] === entry.pathname)
        : flows.length > 0);
    attributeFlows(flows, evidence.initiators);
    return { evidence, flows, captureLive };
  });
  const entries = bundle.scenarios.map((evidence) => evidence.url).filter((url): url is string => typeof url === 'string');
  const identifiers = discoverIdentifiers(scenarios, candidates, entries);
  return {
    manifest: bundle.manifest,
    scenarios,
    ...(bundle.requestedScenarios ? { requestedScenarios: bundle.requestedScenarios } : {}),
    ...(bundle.leftOutScenarios ? { leftOutScenarios: bundle.leftOutScenarios } : {}),
    platformNoise: { hosts: [...noiseHosts].sort(), flows: noiseFlows },
    findings: scenarios.flatMap((scenario) => scenario.flows.flatMap((flow) => flow.findings)),
    identifiers,
  };
}

/** A flow whose body is in a file, with the body read in (only for its own analysis). */
function withBody(flow: FlowRecord, scenario: string, readBody: EvidenceBundle['readBody']): FlowRecord {
  if (flow.body.encoding !== 'file' || !readBody || !flow.body.file) return flow;
  return { ...flow, body: { ...flow.body, encoding: 'base64', data: readBody(scenario, flow.body.file).toString('base64') } };
}

function unanalysable(reason: string): ProtectionReport {
  return {
    class: 'unknown',
    subject: 'none',
    size: 0,
    layers: [],
    structure: 'binary',
    entropy: 0,
    printable: 0,
    compressionRatio: null,
    personalData: false,
    reasons: [`the payload could not be analysed (${reason})`],
  };
}
