import type { AppManifest } from './manifest.js';
import type { FlowRecord, ScenarioEvidence } from './evidence.js';
import type { Phase } from './phase.js';
import type { EvidenceRef } from './verdict.js';

/**
 * The analysis model: what the analyzer produces from an evidence bundle and the
 * checks read. Plain data, JSON-serialisable.
 */

/** The evidence bundle as analysis sees it: the manifest it was collected for and each scenario's evidence. */
export interface EvidenceBundle {
  manifest: AppManifest;
  scenarios: ScenarioEvidence[];
}

export type DestinationKind = 'first-party' | 'declared-sdk' | 'platform' | 'third-party';

export interface Destination {
  kind: DestinationKind;
  /** The declared SDK the host belongs to, when it does. */
  sdk?: string;
  /** Whether the manifest marks that SDK strictly necessary. */
  necessary?: boolean;
}

export interface AnalyzedFlow {
  scenario: string;
  flow: FlowRecord;
  phase: Phase;
  destination: Destination;
  /** Milliseconds from the scenario's launch to the request's start; null when there was no launch. */
  sinceLaunchMs: number | null;
}

export interface AnalyzedScenario {
  evidence: ScenarioEvidence;
  flows: AnalyzedFlow[];
  /** The capture demonstrably worked: the proxy was ready and saw the app's entry document. */
  captureLive: boolean;
}

export interface Analysis {
  manifest: AppManifest;
  scenarios: AnalyzedScenario[];
  platformNoise: { hosts: string[]; flows: number };
}

/** Third party in the sense of the checks: anything that is neither the app's own host nor the platform. */
export function isThirdParty(destination: Destination): boolean {
  return destination.kind === 'declared-sdk' || destination.kind === 'third-party';
}

export function describeDestination(destination: Destination): string {
  return destination.sdk ? `${destination.kind} (${destination.sdk})` : destination.kind;
}

export function flowRef(flow: AnalyzedFlow): EvidenceRef {
  return {
    kind: 'flow',
    scenario: flow.scenario,
    flowId: flow.flow.id,
    method: flow.flow.method,
    url: flow.flow.url,
    host: flow.flow.host,
    scheme: flow.flow.scheme,
    phase: flow.phase,
    sinceLaunchMs: flow.sinceLaunchMs,
    destination: describeDestination(flow.destination),
  };
}
