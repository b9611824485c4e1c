import { describe, expect, it } from 'vitest';
import { countStatuses, type CheckResult, type Report } from '@conformance/core';
import { exitCodeFor } from './assess.js';
import { createPersona, expandPersona } from './persona.js';

describe('createPersona', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    expect(createPersona(42)).toEqual(createPersona(42));
    expect(createPersona(42).phone).not.toBe(createPersona(43).phone);
  });

  it('uses Chinese mobile numbers for zh_CN', () => {
    expect(createPersona(1, 'zh_CN').phone).toMatch(/^1[3-9]\d{9}$/);
  });

  it('expands the known placeholders and rejects unknown ones', () => {
    const persona = createPersona(1);
    expect(expandPersona('call {persona.phone}', persona)).toBe(`call ${persona.phone}`);
    expect(() => expandPersona('{persona.ssn}', persona)).toThrow('unknown placeholder {persona.ssn}');
  });
});

describe('exitCodeFor', () => {
  const report = (statuses: CheckResult['status'][], scenarioError = false): Report => {
    const checks = statuses.map((status, index) => ({ id: `c${index}`, title: '', status, summary: '', evidence: [] }));
    return {
      scenarios: [{ name: 'idle', status: scenarioError ? 'error' : 'completed', observationMs: 0, flows: 0, evidenceDir: '' }],
      checks,
      totals: countStatuses(checks),
    } as unknown as Report;
  };
  it('is 0 when everything passed or did not apply, 1 on a failed check, 2 when the run could not observe everything', () => {
    expect(exitCodeFor(report(['pass', 'not-applicable']))).toBe(0);
    expect(exitCodeFor(report(['pass', 'fail']))).toBe(1);
    expect(exitCodeFor(report(['pass', 'inconclusive']))).toBe(2);
    expect(exitCodeFor(report(['fail'], true))).toBe(2);
  });

  it('does not count not-run checks (their scenarios were not requested): a partial run gates on what it ran', () => {
    expect(exitCodeFor(report(['pass', 'not-run']))).toBe(0);
    expect(exitCodeFor(report(['fail', 'not-run']))).toBe(1);
    expect(exitCodeFor(report(['not-run', 'inconclusive']))).toBe(2);
  });
});
