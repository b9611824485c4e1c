import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ItemResult, Report } from '@conformance/core';
import type { AssessmentResult } from '@conformance/runner';
import { main } from './program.js';
import { gateExitCode } from './shared.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const item = (status: ItemResult['status'], severity: ItemResult['severity']) => ({ id: `s.${status}`, severity, status });
const result = (items: ReturnType<typeof item>[], inconclusive = 0): AssessmentResult =>
  ({
    report: {
      scenarios: [{ status: 'completed' }],
      totals: { pass: 1, fail: 0, inconclusive, 'not-applicable': 0 },
      checks: [],
      suites: [{ items }],
    } as unknown as Report,
  }) as AssessmentResult;

describe('the exit gate of run and analyze', () => {
  it('--fail-on picks the severity that fails; --exit-zero turns a failed gate into 0 but never hides a 2', () => {
    const high = result([item('fail', 'high')]);
    expect(gateExitCode(high, 'critical')).toBe(0);
    expect(gateExitCode(high, 'high')).toBe(1);
    expect(gateExitCode(high, 'high', true)).toBe(0);
    expect(gateExitCode(high, 'none')).toBe(0);
    expect(gateExitCode(result([item('fail', 'critical')], 1), 'critical', true)).toBe(2);
    expect(gateExitCode(result([item('waived', 'critical')]), 'any')).toBe(0);
  });

  it('an unknown --fail-on value is a usage error (exit 2) naming the choices', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    expect(await main(['analyze', 'somewhere', '--fail-on', 'severe'])).toBe(2);
    expect(chunks.join('')).toContain('Allowed choices are critical, high, medium, any, none');
  });

  it('verify on a folder with no evidence exits 2 with CONF_BUNDLE_INVALID', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    expect(await main(['verify', '/nowhere/run'])).toBe(2);
    expect(chunks.join('')).toContain('CONF_BUNDLE_INVALID');
  });
});
