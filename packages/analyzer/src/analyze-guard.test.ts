import { describe, expect, it, vi } from 'vitest';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { analyzeBundle } from './analyze.js';

// One payload that makes the flow analyser throw, whatever the cause: the rest goes on.
vi.mock('./flow.js', async (original) => {
  const actual = await original<typeof import('./flow.js')>();
  return {
    ...actual,
    createFlowAnalyzer: (options: Parameters<typeof actual.createFlowAnalyzer>[0]) => {
      const analyze = actual.createFlowAnalyzer(options);
      return (flow: Parameters<typeof analyze>[0], context: Parameters<typeof analyze>[1]) => {
        if (flow.path.startsWith('/poison')) throw new RangeError('Maximum call stack size exceeded');
        return analyze(flow, context);
      };
    },
  };
});

describe('analyzeBundle on a flow whose analysis fails', () => {
  it('keeps the flow with its error recorded and analyses every other flow', () => {
    const manifest = makeManifest({ firstParty: ['app.example.test'] });
    const scenario = makeScenario(
      'accept',
      [makeFlow('https://tracker.example.org/poison', 100), makeFlow('https://tracker.example.org/ok', 200)],
      [mark('launch', 0)],
    );
    const flows = analyzeBundle({ manifest, scenarios: [scenario] }).scenarios[0]!.flows.filter(
      (flow) => flow.flow.host === 'tracker.example.org',
    );
    expect(flows.map((flow) => flow.flow.path)).toEqual(['/poison', '/ok']);
    expect(flows[0]!.analysisError).toBe('RangeError: Maximum call stack size exceeded');
    expect(flows[0]!.protection.class).toBe('unknown');
    expect(flows[0]!.protection.reasons[0]).toContain('could not be analysed');
    expect(flows[1]!.analysisError).toBeUndefined();
  });
});
