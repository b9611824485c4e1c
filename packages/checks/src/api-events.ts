import { phaseAt, type AnalyzedScenario, type ApiEvent, type AppManifest } from '@conformance/core';
import type { CheckContext, CheckOutcome } from './define.js';
import { attributeScript, eventRef } from './helpers.js';

/**
 * Shared logic of the checks on device-side API events: any matching event before the
 * user's choice fails. Scenarios without an events record, or whose session says no API
 * instrumentation ran (native platforms today), prove nothing: with none left the check is
 * inconclusive, never a pass.
 */
export function noEventsBeforeChoice(
  { scenarios, analysis }: CheckContext,
  matches: (event: ApiEvent) => boolean,
  noun: string,
): CheckOutcome {
  const instrumented = scenarios.filter(
    (s) => s.evidence.events !== undefined && s.evidence.instrumentation?.apiEvents !== false,
  );
  const offending: { scenario: AnalyzedScenario; event: ApiEvent }[] = [];
  let seen = 0;
  for (const s of instrumented) {
    for (const event of s.evidence.events!) {
      if (!matches(event)) continue;
      seen++;
      if (phaseAt(event.at, s.evidence.timeline) === 'before-choice') offending.push({ scenario: s, event });
    }
  }
  if (offending.length > 0) {
    return {
      status: 'fail',
      summary: `${offending.length} ${noun} before the user chose: ${describe(offending, analysis.manifest)}`,
      evidence: offending.map(({ scenario, event }) => eventRef(scenario, event, analysis.manifest)),
    };
  }
  if (instrumented.length === 0) {
    return {
      status: 'inconclusive',
      summary: 'no scenario could record API events (no instrumentation ran on this platform)',
      evidence: [],
    };
  }
  return { status: 'pass', summary: `${seen} ${noun} observed, none before the user chose`, evidence: [] };
}

function describe(items: { event: ApiEvent }[], manifest: AppManifest): string {
  const distinct = new Map<string, string>();
  for (const { event } of items) distinct.set(`${event.api} by ${attributeScript(event.script, manifest)}`, '');
  return [...distinct.keys()].join('; ');
}
