import type { AppManifest } from './manifest.js';
import type { FlowRecord, ScenarioEvidence } from './evidence.js';
import type { Phase } from './phase.js';
import type { ScenarioName } from './evidence.js';
import type { EvidenceRef } from './verdict.js';
import type { Canary, Finding, ProtectionReport } from './findings.js';

/**
 * The analysis model: what the analyzer produces from an evidence bundle and the
 * checks read. Plain data, JSON-serialisable.
 */

/** The evidence bundle as analysis sees it: the manifest it was collected for and each scenario's evidence. */
export interface EvidenceBundle {
  /** Hosts the platform contacted with no app running (evidence/baseline.json), set aside as platform noise. */
  baselineHosts?: readonly string[];
  manifest: AppManifest;
  scenarios: ScenarioEvidence[];
  /**
   * The scenarios the run was asked for (`run.json`). A check that needs a scenario outside
   * this list is `not-run`; one inside it but missing from the bundle stays inconclusive.
   * Absent (an older bundle): every scenario counts as requested.
   */
  requestedScenarios?: readonly ScenarioName[];
  /** Scenarios the run left out of its default protocol, and why (`run.json`). */
  leftOutScenarios?: readonly LeftOutScenario[];
  /** Planted and harvested values to look for (`evidence/canaries.json`); none when absent. */
  canaries?: Canary[];
  /**
   * The bytes of a body stored in a file (`encoding: 'file'`), by scenario and file name: the
   * analysis reads each when it reaches its flow, so the bodies are never all in memory at once.
   * Without it such a body is analysed as empty.
   */
  readBody?: (scenario: string, file: string) => Buffer;
}

export type DestinationKind = 'first-party' | 'declared-sdk' | 'platform' | 'third-party';

export interface Destination {
  kind: DestinationKind;
  /** The declared SDK the host belongs to, when it does. */
  sdk?: string;
  /** Whether the manifest marks that SDK strictly necessary. */
  necessary?: boolean;
  /** The host is in a known tracker database (for `third-party` and `declared-sdk` hosts). */
  tracker?: KnownTracker;
}

/** An entry of a tracker database: who runs the host and what it does. */
export interface KnownTracker {
  /** The tracker's name, e.g. `Umeng`. */
  name: string;
  /** The organisation that runs it. */
  organization: string;
  /** The database's category, e.g. `site_analytics`, `advertising`. */
  category: string;
  /** Which database said so, e.g. `@ghostery/trackerdb@1.0.945`. */
  source: string;
}

export interface AnalyzedFlow {
  scenario: string;
  flow: FlowRecord;
  phase: Phase;
  destination: Destination;
  /** Milliseconds from the scenario's launch to the request's start; null when there was no launch. */
  sinceLaunchMs: number | null;
  /** The script that started the request, from the browser's network log, when it is known. */
  initiator?: { script: string | null; type: string };
  /** Personal data found in this flow, in stable order. */
  findings: Finding[];
  /** How the flow's payload was protected, with the measurements that decided it. */
  protection: ProtectionReport;
  /** Set when the flow's payload could not be analysed (the error); it then has no findings. */
  analysisError?: string;
}

export interface AnalyzedScenario {
  evidence: ScenarioEvidence;
  flows: AnalyzedFlow[];
  /** The capture demonstrably worked: the proxy was ready and saw the app's entry document. */
  captureLive: boolean;
}

/** A scenario of the default protocol that a run left out, and why. */
export interface LeftOutScenario {
  scenario: ScenarioName;
  reason: string;
}

export interface Analysis {
  manifest: AppManifest;
  scenarios: AnalyzedScenario[];
  /** The scenarios the run was asked for, from the bundle; absent: every scenario. */
  requestedScenarios?: readonly ScenarioName[];
  /** Scenarios the run left out of its default protocol, and why. */
  leftOutScenarios?: readonly LeftOutScenario[];
  platformNoise: { hosts: string[]; flows: number };
  /** Every finding of every scenario, in stable order (scenario, flow, path). */
  findings: Finding[];
  /**
   * Identifiers discovered by comparing scenarios (differential discovery): values that stayed
   * the same across a relaunch within one profile and differ between fresh profiles (persistent),
   * or changed on relaunch (session). Absent when the analysis did not look.
   */
  identifiers?: DiscoveredIdentifier[];
}

/** Where one value was seen: which scenario, flow and place, and on which side of the relaunch. */
export interface IdentifierSighting {
  scenario: string;
  flowId: string;
  host: string;
  path: string;
  /** Whether the flow started after the scenario's relaunch (null when the scenario has none). */
  afterRelaunch: boolean | null;
}

/** A value found by differential identifier discovery, with the evidence that decided it. */
export interface DiscoveredIdentifier {
  /** `persistent`: equal across a relaunch within one profile, different between fresh profiles; `session`: changed on relaunch. */
  scope: 'persistent' | 'session';
  /** The value, redacted for display. */
  value: string;
  /** The place compared between scenarios: host and path with array indices removed. */
  slot: { host: string; path: string };
  /** The scenario whose relaunch decided the scope. */
  scenario: string;
  sightings: IdentifierSighting[];
  /** The other values seen at the same place (redacted): in other profiles, or on the other side of the relaunch. */
  comparedWith: Array<{ scenario: string; value: string; afterRelaunch: boolean | null }>;
  /** The rule, in words, with the measurements. */
  reasons: string[];
}

/** Third party in the sense of the checks: anything that is neither the app's own host nor the platform. */
export function isThirdParty(destination: Destination): boolean {
  return destination.kind === 'declared-sdk' || destination.kind === 'third-party';
}

export function describeDestination(destination: Destination): string {
  if (destination.sdk) return `${destination.kind} (${destination.sdk})`;
  if (destination.tracker) return `${destination.kind} (known tracker: ${destination.tracker.organization})`;
  return destination.kind;
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
    ...(flow.initiator?.script ? { initiator: flow.initiator.script } : {}),
    ...(flow.flow.attempted ? { attempted: flow.flow.attempted.note } : {}),
  };
}
