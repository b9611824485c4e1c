import type { TimelineEntry } from './evidence.js';

export const phases = ['before-choice', 'after-accept', 'after-refuse', 'after-withdraw'] as const;
export type Phase = (typeof phases)[number];

const phaseStartedBy: Partial<Record<TimelineEntry['action'], Phase>> = {
  'consent-accept': 'after-accept',
  'consent-reject': 'after-refuse',
  withdraw: 'after-withdraw',
};

/**
 * The phase a moment belongs to: the phase started by the last choice made at or
 * before it. A choice counts from the instant its action started, so a request the
 * tap itself triggers lands after the choice.
 */
export function phaseAt(time: number, timeline: readonly TimelineEntry[]): Phase {
  let phase: Phase = 'before-choice';
  let latest = -Infinity;
  for (const entry of timeline) {
    const next = phaseStartedBy[entry.action];
    if (next && entry.at <= time && entry.at >= latest) {
      phase = next;
      latest = entry.at;
    }
  }
  return phase;
}

/** When the app was launched (first `launch` entry), if it was. */
export function launchedAt(timeline: readonly TimelineEntry[]): number | undefined {
  return timeline.find((entry) => entry.action === 'launch')?.at;
}
