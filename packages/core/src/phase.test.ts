import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from './evidence.js';
import { launchedAt, phaseAt } from './phase.js';

const entry = (action: TimelineEntry['action'], at: number): TimelineEntry => ({ action, at, done: at + 100 });

describe('phaseAt', () => {
  const timeline = [entry('launch', 1000), entry('dialog-shown', 1200), entry('consent-accept', 5000), entry('tap', 6000)];

  it('is before-choice until the first choice, whatever else happened', () => {
    expect(phaseAt(0, timeline)).toBe('before-choice');
    expect(phaseAt(4999, timeline)).toBe('before-choice');
  });

  it('starts after-accept at the instant the accept action began (a request it triggers is after the choice)', () => {
    expect(phaseAt(5000, timeline)).toBe('after-accept');
    expect(phaseAt(5050, timeline)).toBe('after-accept');
    expect(phaseAt(60_000, timeline)).toBe('after-accept');
  });

  it('follows the latest choice: refuse, then withdraw after an accept', () => {
    expect(phaseAt(2000, [entry('consent-reject', 1500)])).toBe('after-refuse');
    const withdrawn = [entry('consent-accept', 1000), entry('withdraw', 3000)];
    expect(phaseAt(2000, withdrawn)).toBe('after-accept');
    expect(phaseAt(3500, withdrawn)).toBe('after-withdraw');
  });

  it('backgrounding, relaunching and a plain tap are not choices: what leaves then stays after the refusal or withdrawal', () => {
    const refused = [entry('launch', 0), entry('consent-reject', 1000), entry('relaunch', 2000), entry('background', 3000)];
    expect(phaseAt(3100, refused)).toBe('after-refuse');
    const withdrawn = [
      entry('consent-accept', 1000),
      entry('withdraw', 2000),
      entry('relaunch', 2500),
      entry('tap', 2600),
      entry('background', 3000),
      entry('foreground', 5000),
    ];
    expect(phaseAt(3100, withdrawn)).toBe('after-withdraw');
    expect(phaseAt(5100, withdrawn)).toBe('after-withdraw');
  });

  it('does not depend on the order entries were written in', () => {
    const shuffled = [entry('withdraw', 3000), entry('consent-accept', 1000)];
    expect(phaseAt(3500, shuffled)).toBe('after-withdraw');
  });
});

describe('launchedAt', () => {
  it('is the first launch, or undefined when the app was never launched', () => {
    expect(launchedAt([entry('launch', 10), entry('launch', 20)])).toBe(10);
    expect(launchedAt([entry('tap', 10)])).toBeUndefined();
  });
});
