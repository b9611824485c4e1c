import { describe, expect, it } from 'vitest';
import { formatTiming } from './timing.js';

describe('formatTiming', () => {
  it('splits the wall time and sums the scenario parts', () => {
    const text = formatTiming({
      totalMs: 31_200,
      setupMs: 6_100,
      scenariosMs: 22_000,
      concurrency: 2,
      analysisMs: 1_800,
      reportMs: 300,
      scenarios: [
        { name: 'idle', wallMs: 10_000, sessionStartMs: 3_000, stepsMs: 1_000, windowsMs: 6_000, closeMs: 500 },
        { name: 'refuse', wallMs: 12_000, sessionStartMs: 3_100, stepsMs: 4_000, windowsMs: 4_500, closeMs: 400 },
      ],
    });
    expect(text).toBe(
      [
        'time: 31.2 s = set-up 6.1 s + scenarios 22.0 s, 2 at a time + analysis 1.8 s + report 0.3 s',
        '  in the scenarios (summed): session start 6.1 s, steps 5.0 s, windows 10.5 s, closing 0.9 s',
      ].join('\n'),
    );
  });

  it('says nothing of concurrency when scenarios ran one at a time', () => {
    const text = formatTiming({
      totalMs: 1000,
      setupMs: 100,
      scenariosMs: 800,
      concurrency: 1,
      analysisMs: 50,
      reportMs: 50,
      scenarios: [],
    });
    expect(text).not.toContain('at a time');
  });
});
