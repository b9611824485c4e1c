import {
  entryUrl,
  launchedAt,
  phaseAt,
  type Analysis,
  type AnalyzedFlow,
  type AnalyzedScenario,
  type EvidenceBundle,
} from '@conformance/core';
import { classifyDestination } from './destination.js';

/** Tags every flow with its phase and destination. Pure: the same bundle always gives the same analysis. */
export function analyzeBundle(bundle: EvidenceBundle): Analysis {
  const noiseHosts = new Set<string>();
  let noiseFlows = 0;
  const scenarios = bundle.scenarios.map((evidence): AnalyzedScenario => {
    const launch = launchedAt(evidence.timeline);
    const flows = [...evidence.flows]
      .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id))
      .map((flow): AnalyzedFlow => {
        const destination = classifyDestination(flow.host, bundle.manifest);
        if (destination.kind === 'platform') {
          noiseHosts.add(flow.host);
          noiseFlows++;
        }
        return {
          scenario: evidence.scenario,
          flow,
          phase: phaseAt(flow.startedAt, evidence.timeline),
          destination,
          sinceLaunchMs: launch === undefined ? null : Math.round(flow.startedAt - launch),
        };
      });
    const entry = entryUrl(bundle.manifest);
    const captureLive =
      evidence.capture.ready && flows.some((f) => f.flow.host === entry.hostname && f.flow.path.split('?')[0] === entry.pathname);
    return { evidence, flows, captureLive };
  });
  return { manifest: bundle.manifest, scenarios, platformNoise: { hosts: [...noiseHosts].sort(), flows: noiseFlows } };
}
