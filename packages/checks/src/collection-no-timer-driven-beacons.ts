import { flowRef, isThirdParty, type AnalyzedFlow, type TimelineEntry } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';

/** UI actions that are the user interacting (anything the app may legitimately react to). */
const interactions = new Set<TimelineEntry['action']>([
  'launch',
  'relaunch',
  'consent-accept',
  'consent-reject',
  'withdraw',
  'tap',
  'type',
  'background',
  'foreground',
]);

/** Requests this soon after an interaction may be its consequence, not a timer. */
export const INTERACTION_GRACE_MS = 1000;
/** Repeats closer than this are retries or bursts, not a beacon period. */
export const MIN_PERIOD_MS = 1000;
export const MIN_QUIET_MS = 2 * MIN_PERIOD_MS;
/** Least quiet time (no interaction) that must have been observed to pass: three requests at the shortest period. */
/** How much each gap may differ from the median gap and still count as the same period. */
const jitter = (period: number) => Math.max(0.1 * period, 250);

interface Beacon {
  key: string;
  flows: AnalyzedFlow[];
  periodMs: number;
}

/** Periodic groups (same host, method and path, at least 3 requests at a steady gap) among flows of one quiet interval. */
export function findPeriodic(flows: readonly AnalyzedFlow[]): Beacon[] {
  const groups = new Map<string, AnalyzedFlow[]>();
  for (const flow of flows) {
    const key = `${flow.flow.method} ${flow.flow.host}${flow.flow.path.split('?')[0]}`;
    groups.set(key, [...(groups.get(key) ?? []), flow]);
  }
  const beacons: Beacon[] = [];
  for (const [key, group] of groups) {
    if (group.length < 3) continue;
    const times = group.map((flow) => flow.flow.startedAt).sort((a, b) => a - b);
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    const sorted = [...gaps].sort((a, b) => a - b);
    const period = sorted[Math.floor(sorted.length / 2)]!;
    if (period >= MIN_PERIOD_MS && gaps.every((gap) => Math.abs(gap - period) <= jitter(period))) {
      beacons.push({ key, flows: group, periodMs: period });
    }
  }
  return beacons;
}

/**
 * After consent, with no user interaction, no third-party request repeats on a fixed
 * period: SDKs collect when the app is used, not on a timer (TalkingData guideline,
 * "collection timing"). The timeline says when the user interacted; requests within
 * INTERACTION_GRACE_MS of an interaction are not counted.
 */
export const collectionNoTimerDrivenBeacons = defineCheck({
  id: 'collection.no-timer-driven-beacons',
  title: 'No timer-driven third-party requests while the user does nothing',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['accept'],
  evaluate({ scenarios }) {
    const beacons: Beacon[] = [];
    let longestQuiet = 0;
    let quietFlows = 0;
    for (const scenario of scenarios) {
      const marks = scenario.evidence.timeline.filter((entry) => interactions.has(entry.action)).sort((a, b) => a.at - b.at);
      const accepted = marks.find((entry) => entry.action === 'consent-accept');
      if (!accepted) continue;
      const after = marks.filter((entry) => entry.at >= accepted.at);
      for (const [index, mark] of after.entries()) {
        const from = mark.done + INTERACTION_GRACE_MS;
        const to = after[index + 1]?.at ?? scenario.evidence.endedAt;
        if (to <= from) continue;
        longestQuiet = Math.max(longestQuiet, to - from);
        const flows = scenario.flows.filter(
          (flow) => isThirdParty(flow.destination) && flow.flow.startedAt >= from && flow.flow.startedAt < to,
        );
        quietFlows += flows.length;
        beacons.push(...findPeriodic(flows));
      }
    }
    if (beacons.length > 0) {
      return {
        status: 'fail',
        summary: beacons
          .map(
            (beacon) =>
              `${beacon.key} repeated ${beacon.flows.length}× every ~${Math.round(beacon.periodMs / 100) / 10} s with no interaction`,
          )
          .join('; '),
        evidence: beacons.flatMap((beacon) => beacon.flows.map(flowRef)),
      };
    }
    if (longestQuiet < MIN_QUIET_MS) {
      return {
        status: 'inconclusive',
        summary: `the longest stretch without interaction after consent was ${longestQuiet} ms; at least ${MIN_QUIET_MS} ms are needed to see a period`,
        evidence: [],
      };
    }
    return {
      status: 'pass',
      summary: `${quietFlows} third-party request(s) during up to ${(longestQuiet / 1000).toFixed(1)} s without interaction after consent, none on a fixed period (periods up to ${(longestQuiet / 2000).toFixed(1)} s could be seen)`,
      evidence: [],
    };
  },
});
