import type { RunTiming } from '@conformance/core';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Where a run's time went, in two lines: the wall-time split (set-up, scenarios, analysis,
 * report) and, summed over the scenarios, session start, steps, windows and closing.
 */
export function formatTiming(timing: RunTiming): string {
  const sum = (key: 'sessionStartMs' | 'stepsMs' | 'windowsMs' | 'closeMs') =>
    timing.scenarios.reduce((total, scenario) => total + scenario[key], 0);
  const atOnce = timing.concurrency > 1 ? `, ${timing.concurrency} at a time` : '';
  return [
    `time: ${seconds(timing.totalMs)} = set-up ${seconds(timing.setupMs)} + scenarios ${seconds(timing.scenariosMs)}${atOnce} + analysis ${seconds(timing.analysisMs)} + report ${seconds(timing.reportMs)}`,
    `  in the scenarios (summed): session start ${seconds(sum('sessionStartMs'))}, steps ${seconds(sum('stepsMs'))}, windows ${seconds(sum('windowsMs'))}, closing ${seconds(sum('closeMs'))}`,
  ].join('\n');
}
