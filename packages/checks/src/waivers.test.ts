import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ConformanceError,
  ErrorCodes,
  type CheckResult,
  type EvidenceRef,
  type SuiteInput,
  type Waiver,
} from '@conformance/core';
import { scoreSuite } from './scoring.js';
import { parseSuite, parseWaiverFile } from './suite-loader.js';
import { applyWaivers, assertWaiversKnown, hostCovers } from './waivers.js';

const suite = parseSuite(
  stringify({
    id: 'demo',
    title: 'Demo',
    description: 'A suite for the waiver tests.',
    instruments: [{ id: 'DEMO', title: 'Demo rules', version: '1', source: 'here' }],
    items: [
      { n: 1, checks: ['transport.tls-everywhere' as const], severity: 'critical' as const },
      { n: 2, checks: ['sdk.all-disclosed' as const], severity: 'high' as const },
      { n: 3, checks: ['transport.tls-everywhere' as const, 'sdk.all-disclosed' as const], severity: 'medium' as const },
      { n: 4, checks: ['gpc.honoured' as const], severity: 'low' as const },
    ].map(({ n, ...item }) => ({
      id: `demo.${n}`,
      instrument: 'DEMO',
      clause: `Rule ${n}`,
      title: `Rule ${n}`,
      requirement: 'Something.',
      category: 'consent',
      mode: 'automated',
      ...item,
    })),
  } satisfies SuiteInput),
  'demo/suite.yaml',
);

const flow = (host: string): EvidenceRef => ({
  kind: 'flow',
  scenario: 'idle',
  flowId: host,
  method: 'GET',
  url: `http://${host}/x`,
  host,
  scheme: 'http',
  phase: 'before-choice',
  sinceLaunchMs: 10,
  destination: 'third party',
});

const checks: CheckResult[] = [
  { id: 'transport.tls-everywhere', title: 't', status: 'fail', summary: 'cleartext', evidence: [flow('cdn.example.test')] },
  { id: 'sdk.all-disclosed', title: 's', status: 'fail', summary: 'undeclared', evidence: [flow('collect.tracker.test')] },
  { id: 'gpc.honoured', title: 'g', status: 'pass', summary: 'ok', evidence: [] },
];
const scored = [scoreSuite(suite, checks, { platform: 'web', sellsOrShares: true })];
const waiver = (fields: Partial<Waiver>): Waiver => ({
  reason: 'vendor fix due',
  owner: 'qa team',
  expires: '2027-03-31',
  ...fields,
});
const apply = (waivers: Waiver[], asOf = '2027-01-15') => applyWaivers({ checks, suites: scored, waivers, file: 'w.yaml', asOf });
const statuses = (result: ReturnType<typeof apply>) => result.suites[0]!.items.map((item) => item.status);

describe('applyWaivers', () => {
  it('an active item waiver turns that failed item into waived, never passed, and keeps the score', () => {
    const result = apply([waiver({ item: 'demo.2' })]);
    expect(statuses(result)).toEqual(['fail', 'waived', 'fail', 'pass']);
    const item = result.suites[0]!.items[1]!;
    expect(item.waiver).toEqual({ names: 'demo.2', reason: 'vendor fix due', owner: 'qa team', expires: '2027-03-31' });
    expect(item.summary).toContain('waived until 2027-03-31');
    expect(result.suites[0]!.counts).toMatchObject({ fail: 2, waived: 1, pass: 1 });
    expect(result.suites[0]!.score).toBe(scored[0]!.score);
    expect(result.suites[0]!.grade).toBe(scored[0]!.grade);
    expect(result.waivers.entries[0]).toMatchObject({ state: 'active', items: ['demo.2'], checks: [] });
  });

  it('an expired waiver applies to nothing and is flagged as expired', () => {
    const result = apply([waiver({ item: 'demo.2', expires: '2027-01-14' })]);
    expect(statuses(result)).toEqual(['fail', 'fail', 'fail', 'pass']);
    expect(result.waivers.entries[0]).toMatchObject({ state: 'expired', items: [], checks: [] });
    // The expiry day itself is still in force.
    expect(statuses(apply([waiver({ item: 'demo.2', expires: '2027-01-15' })]))[1]).toBe('waived');
  });

  it('a check waiver accepts the check and waives the items only that check failed', () => {
    const result = apply([waiver({ check: 'transport.tls-everywhere' })]);
    // demo.3 also fails on sdk.all-disclosed, which nobody waived: it stays failed.
    expect(statuses(result)).toEqual(['waived', 'fail', 'fail', 'pass']);
    expect([...result.waivedChecks]).toEqual(['transport.tls-everywhere']);
    expect(result.waivers.entries[0]).toMatchObject({ items: ['demo.1'], checks: ['transport.tls-everywhere'] });
    const both = apply([waiver({ check: 'transport.tls-everywhere' }), waiver({ check: 'sdk.all-disclosed' })]);
    expect(statuses(both)).toEqual(['waived', 'waived', 'waived', 'pass']);
  });

  it('a host-limited waiver applies only when every cited flow goes to that host or a subdomain', () => {
    expect(statuses(apply([waiver({ check: 'transport.tls-everywhere', host: 'example.test' })]))[0]).toBe('waived');
    expect(statuses(apply([waiver({ check: 'transport.tls-everywhere', host: 'cdn.example.test' })]))[0]).toBe('waived');
    const other = apply([waiver({ check: 'transport.tls-everywhere', host: 'tracker.test' })]);
    expect(statuses(other)[0]).toBe('fail');
    expect(other.waivers.entries[0]).toMatchObject({ state: 'active', items: [], checks: [] });
    expect(statuses(apply([waiver({ item: 'demo.2', host: 'tracker.test' })]))[1]).toBe('waived');
    expect(statuses(apply([waiver({ item: 'demo.2', host: 'cdn.example.test' })]))[1]).toBe('fail');
  });

  it('hostCovers: no flow cited, or one flow elsewhere, is not covered; a look-alike suffix is not a subdomain', () => {
    expect(hostCovers('a.test', [])).toBe(false);
    expect(hostCovers('a.test', [flow('x.a.test'), flow('b.test')])).toBe(false);
    expect(hostCovers('a.test', [flow('evila.test')])).toBe(false);
    expect(hostCovers('a.test', [flow('A.TEST:443')])).toBe(true);
    expect(hostCovers(undefined, [])).toBe(true);
  });

  it('a waiver never touches what passed', () => {
    expect(statuses(apply([waiver({ item: 'demo.4' })]))[3]).toBe('pass');
  });
});

describe('assertWaiversKnown', () => {
  it('accepts known items and checks', () => {
    expect(() =>
      assertWaiversKnown([waiver({ item: 'demo.1' }), waiver({ check: 'gpc.honoured' })], [suite], 'w.yaml'),
    ).not.toThrow();
  });

  it('an unknown item or check is CONF_WAIVER_UNKNOWN naming the file and entry, with the closest id', () => {
    try {
      assertWaiversKnown(
        [waiver({ item: 'demo.1' }), waiver({ item: 'demo.11x' }), waiver({ check: 'gpc.honored' })],
        [suite],
        'w.yaml',
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConformanceError);
      const e = error as ConformanceError;
      expect(e.code).toBe(ErrorCodes.WAIVER_UNKNOWN);
      expect(e.message).toContain('w.yaml: waivers[1].item: no item "demo.11x"');
      expect(e.message).toContain('(did you mean "demo.1"?)');
      expect(e.message).toContain('w.yaml: waivers[2].check: no check "gpc.honored" (did you mean "gpc.honoured"?)');
    }
  });
});

describe('parseWaiverFile', () => {
  const text = 'waivers:\n  - item: demo.1\n    reason: accepted\n    owner: qa\n    expires: 2027-03-31\n';

  it('reads a valid file', () => {
    expect(parseWaiverFile(text, 'w.yaml').waivers[0]).toEqual({
      item: 'demo.1',
      reason: 'accepted',
      owner: 'qa',
      expires: '2027-03-31',
    });
  });

  it('names the file, line and key of a mistake', () => {
    expect(() => parseWaiverFile(text.replace('owner', 'ownr'), 'w.yaml')).toThrow(
      /w\.yaml:4:5: unknown key "waivers\[0\]\.ownr" \(did you mean "owner"\?\)/,
    );
    try {
      parseWaiverFile(text.replace('2027-03-31', '2027-13-01'), 'w.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as ConformanceError).code).toBe(ErrorCodes.WAIVER_INVALID);
      expect((error as ConformanceError).message).toContain('YYYY-MM-DD');
    }
  });

  it('an alias whose anchor is missing is refused, not a crash (found by the fuzzing below)', () => {
    expect(() => parseWaiverFile('waivers:\n  - item: *a\n', 'w.yaml')).toThrow(/not usable YAML/);
    expect(() => parseSuite('id: *a\n', 's.yaml')).toThrow(ConformanceError);
  });

  // Fuzzing is work, not a time limit: each property may take as long as 10,000 parses take.
  it('fuzz: 10,000 mutated and arbitrary files parse or are refused with a ConformanceError', { timeout: 300_000 }, () => {
    const refusedOrParsed = (input: string) => {
      try {
        parseWaiverFile(input, 'w.yaml');
      } catch (error) {
        if (error instanceof ConformanceError && error.code === ErrorCodes.WAIVER_INVALID) return true;
        throw error;
      }
      return true;
    };
    const mutated = fc.oneof(
      fc
        .tuple(fc.nat(text.length), fc.string({ unit: 'binary', maxLength: 12 }))
        .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
      fc.tuple(fc.nat(text.length), fc.nat(30)).map(([at, length]) => text.slice(0, at) + text.slice(at + length)),
      fc
        .tuple(fc.nat(text.length), fc.constantFrom(':', '{', '[', '&a', '*a', '!!binary', '"', '\t', '\u0000', '- ', '? ', '|'))
        .map(([at, token]) => text.slice(0, at) + token + text.slice(at)),
      fc
        .constantFrom('item', 'check', 'host', 'reason', 'owner', 'expires', 'extra')
        .chain((key) =>
          fc
            .jsonValue({ maxDepth: 3 })
            .map((value) =>
              stringify({ waivers: [{ item: 'demo.1', reason: 'r', owner: 'o', expires: '2027-01-01', [key]: value }] }),
            ),
        ),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    fc.assert(fc.property(mutated, refusedOrParsed), { numRuns: 10_000 });
  });
});
