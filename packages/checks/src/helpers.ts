import {
  flowRef,
  hostMatches,
  launchedAt,
  phaseAt,
  type AnalyzedFlow,
  type AnalyzedScenario,
  type ApiEvent,
  type AppManifest,
  type DialogFacts,
  type EvidenceRef,
  type ScenarioName,
  type TimelineEntry,
} from '@conformance/core';
import type { CheckOutcome } from './define.js';
import { personalDataEvidence, personalDataFindings } from './personal-data.js';

export function scenario(scenarios: readonly AnalyzedScenario[], name: ScenarioName): AnalyzedScenario | undefined {
  return scenarios.find((candidate) => candidate.evidence.scenario === name);
}

export function lastEntry(scenario: AnalyzedScenario, action: TimelineEntry['action']): TimelineEntry | undefined {
  return scenario.evidence.timeline.filter((entry) => entry.action === action).at(-1);
}

export function timelineRef(scenario: AnalyzedScenario, entry: TimelineEntry): EvidenceRef {
  return {
    kind: 'timeline',
    scenario: scenario.evidence.scenario,
    action: entry.action,
    at: entry.at,
    ...(entry.selector ? { selector: entry.selector } : {}),
    ...(entry.detail ? { detail: entry.detail } : {}),
  };
}

export function screenshotRef(scenario: AnalyzedScenario, file: string | null | undefined): EvidenceRef[] {
  return file ? [{ kind: 'screenshot', scenario: scenario.evidence.scenario, file }] : [];
}

/** Who a script belongs to: a declared SDK (by its hosts), the first party, or an undeclared third party. */
export function attributeScript(script: string | null, manifest: AppManifest): string {
  if (!script) return 'unknown script';
  let host: string;
  try {
    host = new URL(script).hostname;
  } catch {
    return script;
  }
  const sdk = manifest.sdks.find((candidate) => candidate.hosts.some((entry) => hostMatches(host, entry)));
  if (sdk) return `${sdk.name} (${script})`;
  if (manifest.firstParty.some((entry) => hostMatches(host, entry))) return `first-party code (${script})`;
  return `undeclared third party (${script})`;
}

export function eventRef(scenario: AnalyzedScenario, event: ApiEvent, manifest: AppManifest): EvidenceRef {
  const launch = launchedAt(scenario.evidence.timeline);
  return {
    kind: 'api-event',
    scenario: scenario.evidence.scenario,
    api: event.api,
    eventKind: event.kind,
    phase: phaseAt(event.at, scenario.evidence.timeline),
    script: event.script,
    attributedTo: attributeScript(event.script, manifest),
    sinceLaunchMs: launch === undefined ? null : event.at - launch,
  };
}

/** A third-party flow the user's refusal or withdrawal should have stopped (strictly necessary SDKs aside). */
export function isUnwantedThirdParty(flow: AnalyzedFlow): boolean {
  if (flow.destination.kind === 'third-party') return true;
  return flow.destination.kind === 'declared-sdk' && !flow.destination.necessary;
}

export function hosts(flows: readonly AnalyzedFlow[]): string {
  return [...new Set(flows.map((flow) => flow.flow.host))].join(', ');
}

/**
 * Evidence for flows that should not have happened: each flow, followed by notes on the
 * personal data found in it, so a reviewer sees what was sent, not only where.
 */
export function withPersonalData(flows: readonly AnalyzedFlow[]): EvidenceRef[] {
  const withFindings = new Map(personalDataFindings(flows, { destination: () => true }).map((item) => [item.flow, item]));
  return flows.flatMap((flow) => {
    const item = withFindings.get(flow);
    return item ? personalDataEvidence([item]) : [flowRef(flow)];
  });
}

/** "; they carried contact.phone, device-id.resettable" when any personal data was found. */
export function carried(flows: readonly AnalyzedFlow[]): string {
  const categories = [
    ...new Set(personalDataFindings(flows, { destination: () => true }).flatMap((item) => item.findings.map((f) => f.category))),
  ].sort();
  return categories.length ? `; they carried ${categories.join(', ')}` : '';
}

/**
 * The consent dialog as the idle scenario first showed it, with its screenshot as evidence; or
 * the outcome when there is nothing to judge: inconclusive when it was never inspected, a failure
 * when no dialog appeared at first launch.
 */
export function shownDialog(
  scenarios: readonly AnalyzedScenario[],
): { idle: AnalyzedScenario; dialog: DialogFacts; shot: EvidenceRef[] } | { outcome: CheckOutcome } {
  const idle = scenario(scenarios, 'idle');
  const dialog = idle?.evidence.dialog;
  if (!idle || !dialog) return { outcome: { status: 'inconclusive', summary: 'the dialog was never inspected', evidence: [] } };
  const shot = screenshotRef(idle, dialog.screenshot);
  if (!dialog.shown)
    return { outcome: { status: 'fail', summary: 'no consent dialog appeared at first launch', evidence: shot } };
  return { idle, dialog, shot };
}
