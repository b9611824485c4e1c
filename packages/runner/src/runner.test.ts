import { describe, expect, it } from 'vitest';
import { countStatuses, type CheckResult, type ItemResult, type Report } from '@conformance/core';
import { checkById } from '@conformance/checks';
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
  const report = (statuses: CheckResult['status'][], scenarioError = false, ids?: string[]): Report => {
    const checks = statuses.map((status, index) => ({
      id: ids?.[index] ?? `c${index}`,
      title: '',
      status,
      summary: '',
      evidence: [],
    }));
    return {
      scenarios: [{ name: 'idle', status: scenarioError ? 'error' : 'completed', observationMs: 0, flows: 0, evidenceDir: '' }],
      checks,
      totals: countStatuses(checks),
      suites: [],
    } as unknown as Report;
  };
  const item = (status: ItemResult['status'], severity: ItemResult['severity']): ItemResult => ({
    id: `s.${status}-${severity}`,
    instrument: 'I',
    clause: 'c',
    title: 't',
    severity,
    weight: 1,
    mode: 'automated',
    status,
    summary: '',
    checks: [],
    evidence: [],
  });
  const withItems = (...items: ItemResult[]): Report =>
    ({ ...report(['pass']), suites: [{ id: 's', items }] }) as unknown as Report;

  it('is 0 when everything passed or did not apply, 1 on a failed check, 2 when the run could not observe everything', () => {
    expect(exitCodeFor(report(['pass', 'not-applicable']))).toBe(0);
    // A check this version does not know counts as critical.
    expect(exitCodeFor(report(['pass', 'fail']))).toBe(1);
    expect(exitCodeFor(report(['pass', 'inconclusive']))).toBe(2);
    expect(exitCodeFor(report(['fail'], true))).toBe(2);
    expect(exitCodeFor(report(['fail'], true), 'none')).toBe(2);
  });

  it('--fail-on gates on the severity of failed suite items: critical (default), high, medium, any, none', () => {
    const high = withItems(item('pass', 'critical'), item('fail', 'high'));
    expect(exitCodeFor(high)).toBe(0);
    expect(exitCodeFor(high, 'critical')).toBe(0);
    expect(exitCodeFor(high, 'high')).toBe(1);
    expect(exitCodeFor(high, 'medium')).toBe(1);
    expect(exitCodeFor(high, 'none')).toBe(0);
    const low = withItems(item('fail', 'low'));
    expect(exitCodeFor(low, 'medium')).toBe(0);
    expect(exitCodeFor(low, 'any')).toBe(1);
    expect(exitCodeFor(withItems(item('attested-fail', 'critical')))).toBe(1);
  });

  it('waived items never trip the gate, and neither do unknown (newer) statuses', () => {
    expect(exitCodeFor(withItems(item('waived', 'critical')), 'any')).toBe(0);
    expect(exitCodeFor(withItems({ ...item('pass', 'critical'), status: 'not-run' as ItemResult['status'] }), 'any')).toBe(0);
  });

  it('with no suite, failed checks gate at their default severity, unless an active waiver accepted them', () => {
    // transport.tls-everywhere is high by default, consent.no-third-party-before-choice critical.
    const tls = report(['fail'], false, ['transport.tls-everywhere']);
    expect(checkById('transport.tls-everywhere')?.severity).toBe('high');
    expect(exitCodeFor(tls)).toBe(0);
    expect(exitCodeFor(tls, 'high')).toBe(1);
    const consent = report(['fail'], false, ['consent.no-third-party-before-choice']);
    expect(exitCodeFor(consent)).toBe(1);
    const waiver = {
      reason: 'r',
      owner: 'o',
      expires: '2027-01-01',
      items: [],
      checks: ['consent.no-third-party-before-choice'],
    };
    const waived = {
      ...consent,
      waivers: { file: 'w', asOf: '2026-12-01', entries: [{ ...waiver, state: 'active' }] },
    } as Report;
    expect(exitCodeFor(waived, 'any')).toBe(0);
    const expired = {
      ...consent,
      waivers: { file: 'w', asOf: '2027-02-01', entries: [{ ...waiver, state: 'expired' }] },
    } as Report;
    expect(exitCodeFor(expired)).toBe(1);
  });

  it('does not count not-run checks (their scenarios were not requested): a partial run gates on what it ran', () => {
    expect(exitCodeFor(report(['pass', 'not-run']))).toBe(0);
    expect(exitCodeFor(report(['fail', 'not-run']))).toBe(1);
    expect(exitCodeFor(report(['not-run', 'inconclusive']))).toBe(2);
  });
});
