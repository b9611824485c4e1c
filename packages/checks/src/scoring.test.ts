import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes, type CheckResult, type CheckStatus, type SuiteInput } from '@conformance/core';
import { decideItem, gradeFor, indexAttestations, scoreSuite, type ScoringContext } from './scoring.js';
import { parseSuite, type LoadedSuite } from './suite-loader.js';
import { stringify } from 'yaml';

const web: ScoringContext = { platform: 'web', sellsOrShares: true };

type ItemSpec = Partial<SuiteInput['items'][number]> & { n: number };

/** A suite of the given items, loaded through the real loader. */
function suiteOf(items: ItemSpec[]): LoadedSuite {
  const suite: SuiteInput = {
    id: 'demo',
    title: 'Demo',
    description: 'A suite for the scoring tests.',
    instruments: [{ id: 'DEMO', title: 'Demo rules', version: '1', source: 'here' }],
    items: items.map(({ n, ...item }) => ({
      id: `demo.${n}`,
      instrument: 'DEMO',
      clause: `Rule ${n}`,
      title: `Rule ${n}`,
      requirement: 'Something.',
      category: 'consent',
      severity: 'medium',
      mode: 'automated',
      checks: ['transport.tls-everywhere'],
      ...item,
    })),
  };
  return parseSuite(stringify(suite), 'demo/suite.yaml');
}

const result = (id: string, status: CheckStatus): CheckResult => ({
  id,
  title: id,
  status,
  summary: `${id} was ${status}`,
  evidence: [{ kind: 'note', detail: `evidence of ${id}` }],
});

describe('decideItem', () => {
  const [item] = suiteOf([{ n: 1, checks: ['transport.tls-everywhere', 'sdk.all-disclosed'] }]).suite.items;
  const decide = (a: CheckStatus, b: CheckStatus) =>
    decideItem(
      item!,
      new Map([
        ['transport.tls-everywhere', result('transport.tls-everywhere', a)],
        ['sdk.all-disclosed', result('sdk.all-disclosed', b)],
      ]),
      web,
    );

  it('fails when one check fails (even if the other is inconclusive), with the failed check as evidence', () => {
    const verdict = decide('inconclusive', 'fail');
    expect(verdict.status).toBe('fail');
    expect(verdict.evidence).toEqual([{ kind: 'note', detail: 'evidence of sdk.all-disclosed' }]);
    expect(verdict.checks.map((c) => c.status)).toEqual(['inconclusive', 'fail']);
  });

  it('passes only when every check passes or does not apply', () => {
    expect(decide('pass', 'pass').status).toBe('pass');
    expect(decide('pass', 'not-applicable').status).toBe('pass');
    expect(decide('pass', 'inconclusive').status).toBe('inconclusive');
    expect(decide('not-applicable', 'not-applicable').status).toBe('not-applicable');
  });

  it('is not-run when a check was not run for lack of a requested scenario, unless another fails or is inconclusive', () => {
    expect(decide('pass', 'not-run')).toMatchObject({
      status: 'not-run',
      evidence: [{ kind: 'note', detail: 'evidence of sdk.all-disclosed' }],
    });
    expect(decide('not-run', 'not-applicable').status).toBe('not-run');
    expect(decide('not-run', 'fail').status).toBe('fail');
    expect(decide('inconclusive', 'not-run').status).toBe('inconclusive');
  });

  it('is inconclusive, never passed, when a check it cites was not run', () => {
    expect(
      decideItem(item!, new Map([['transport.tls-everywhere', result('transport.tls-everywhere', 'pass')]]), web),
    ).toMatchObject({
      status: 'inconclusive',
      checks: [expect.anything(), { id: 'sdk.all-disclosed', status: 'inconclusive', summary: 'the check was not run' }],
    });
  });

  it('is not applicable when its applies conditions do not hold for the app', () => {
    const [gpc] = suiteOf([{ n: 1, applies: { platforms: ['web'], sellsOrShares: true } }]).suite.items;
    const checks = new Map([['transport.tls-everywhere', result('transport.tls-everywhere', 'fail')]]);
    expect(decideItem(gpc!, checks, { platform: 'android', sellsOrShares: true }).status).toBe('not-applicable');
    expect(decideItem(gpc!, checks, { platform: 'web', sellsOrShares: false }).summary).toContain('sellsOrShares is true');
    expect(decideItem(gpc!, checks, web).status).toBe('fail');
  });

  it('applies to a marked web-view app of a platform under webViews, and to no other native app', () => {
    const [gpc] = suiteOf([{ n: 1, applies: { platforms: ['web'], webViews: ['android'], sellsOrShares: true } }]).suite
      .items;
    const checks = new Map([['transport.tls-everywhere', result('transport.tls-everywhere', 'fail')]]);
    const android = { platform: 'android' as const, sellsOrShares: true };
    expect(decideItem(gpc!, checks, { ...android, webView: true }).status).toBe('fail');
    expect(decideItem(gpc!, checks, { ...android, webView: { context: 'WEBVIEW_com.example' } }).status).toBe('fail');
    expect(decideItem(gpc!, checks, android).status).toBe('not-applicable');
    expect(decideItem(gpc!, checks, { ...android, webView: false }).summary).toContain('and android apps marked webView');
    expect(decideItem(gpc!, checks, { platform: 'ios', sellsOrShares: true, webView: true }).status).toBe(
      'not-applicable',
    );
  });
});

describe('scoreSuite', () => {
  it('a critical failure caps the grade at D however high the score', () => {
    const items: ItemSpec[] = Array.from({ length: 10 }, (_, i) => ({ n: i + 1, checks: ['sdk.all-disclosed'] }));
    items[0] = { n: 1, severity: 'critical', checks: ['transport.tls-everywhere'] };
    const suite = suiteOf(items);
    const checks = [result('transport.tls-everywhere', 'fail'), result('sdk.all-disclosed', 'pass')];
    const scored = scoreSuite(suite, checks, web);
    expect(scored.score).toBe(90);
    expect(gradeFor(90, [])).toBe('A');
    expect(scored.grade).toBe('D');
    // The same failure on a medium item leaves the grade to the score.
    items[0] = { n: 1, severity: 'medium', checks: ['transport.tls-everywhere'] };
    expect(scoreSuite(suiteOf(items), checks, web).grade).toBe('A');
  });

  it('a failed high item caps the grade at B', () => {
    expect(gradeFor(95, ['high'])).toBe('B');
    expect(gradeFor(65, ['high'])).toBe('D');
    expect(gradeFor(95, ['low', 'critical', 'high'])).toBe('D');
  });

  it('weights the score by item weight', () => {
    const suite = suiteOf([
      { n: 1, weight: 3, checks: ['transport.tls-everywhere'] },
      { n: 2, weight: 1, checks: ['sdk.all-disclosed'] },
    ]);
    const scored = scoreSuite(suite, [result('transport.tls-everywhere', 'pass'), result('sdk.all-disclosed', 'fail')], web);
    expect(scored.score).toBe(75);
    expect(scored.grade).toBe('C');
  });

  it('a manual item never passes and never counts in the score, but lowers coverage', () => {
    const suite = suiteOf([{ n: 1 }, { n: 2, mode: 'manual', checks: [] }]);
    const scored = scoreSuite(suite, [result('transport.tls-everywhere', 'pass')], web);
    expect(scored.items[1]).toMatchObject({ id: 'demo.2', status: 'manual' });
    expect(scored.score).toBe(100);
    expect(scored.coverage).toBe(0.5);
    expect(scored.automatedCoverage).toBe(1);
    expect(scored.counts.pass).toBe(1);
  });

  it('an inconclusive item lowers coverage, never the score', () => {
    const items: ItemSpec[] = [
      { n: 1, checks: ['transport.tls-everywhere'] },
      { n: 2, checks: ['transport.tls-everywhere'] },
      { n: 3, checks: ['sdk.all-disclosed'] },
    ];
    const all = scoreSuite(
      suiteOf(items),
      [result('transport.tls-everywhere', 'pass'), result('sdk.all-disclosed', 'pass')],
      web,
    );
    const one = scoreSuite(
      suiteOf(items),
      [result('transport.tls-everywhere', 'pass'), result('sdk.all-disclosed', 'inconclusive')],
      web,
    );
    expect([all.score, all.coverage]).toEqual([100, 1]);
    expect([one.score, one.coverage]).toEqual([100, 0.6667]);
    expect(one.counts.inconclusive).toBe(1);
  });

  it('leaves not-run items out of score and coverage, and gives a partial run no grade', () => {
    const items: ItemSpec[] = [
      { n: 1, checks: ['transport.tls-everywhere'] },
      { n: 2, checks: ['sdk.all-disclosed'] },
      { n: 3, checks: ['gpc.honoured'] },
    ];
    const partial = scoreSuite(
      suiteOf(items),
      [result('transport.tls-everywhere', 'pass'), result('sdk.all-disclosed', 'fail'), result('gpc.honoured', 'not-run')],
      web,
    );
    expect(partial).toMatchObject({ score: 50, grade: null, coverage: 1, automatedCoverage: 1 });
    expect(partial.counts['not-run']).toBe(1);
    expect(partial.items[2]).toMatchObject({ id: 'demo.3', status: 'not-run' });
    // The same evidence with the third scenario run and passed gets a grade.
    const whole = scoreSuite(
      suiteOf(items),
      [result('transport.tls-everywhere', 'pass'), result('sdk.all-disclosed', 'fail'), result('gpc.honoured', 'pass')],
      web,
    );
    expect(whole).toMatchObject({ score: 66.7, grade: 'D' });
  });

  it('gives no grade when less than half of the automated items were decided, and no score when none was', () => {
    const items: ItemSpec[] = [{ n: 1 }, { n: 2, checks: ['sdk.all-disclosed'] }, { n: 3, checks: ['gpc.honoured'] }];
    const some = scoreSuite(suiteOf(items), [result('transport.tls-everywhere', 'pass')], web);
    expect(some).toMatchObject({ score: 100, grade: null, automatedCoverage: 0.3333 });
    const none = scoreSuite(suiteOf(items), [], web);
    expect(none).toMatchObject({ score: null, grade: null, coverage: 0 });
  });

  it('shows attested manual items as attested, never as observed, and keeps them out of score and coverage', () => {
    const suite = suiteOf([{ n: 1 }, { n: 2, mode: 'manual', checks: [] }, { n: 3, mode: 'manual', checks: [] }]);
    const attestations = indexAttestations(
      [
        { item: 'demo.2', outcome: 'pass', name: 'Jane Doe', date: '2026-11-30', note: 'read the policy' },
        { item: 'demo.3', outcome: 'fail', name: 'Jane Doe', date: '2026-11-30' },
      ],
      [suite],
      'attest.yaml',
    );
    const scored = scoreSuite(suite, [result('transport.tls-everywhere', 'fail')], web, attestations);
    expect(scored.items.map((item) => item.status)).toEqual(['fail', 'attested-pass', 'attested-fail']);
    expect(scored.items[1]!.attestation).toEqual({
      outcome: 'pass',
      name: 'Jane Doe',
      date: '2026-11-30',
      note: 'read the policy',
    });
    expect(scored.items[1]!.summary).toBe('attested pass by Jane Doe on 2026-11-30: read the policy');
    expect(scored.score).toBe(0);
    expect(scored.coverage).toBe(0.3333);
  });
});

describe('indexAttestations', () => {
  const suite = suiteOf([{ n: 1 }, { n: 2, mode: 'manual', checks: [] }]);
  const attest = (item: string) => ({ item, outcome: 'pass' as const, name: 'J', date: '2026-01-01' });
  const codeOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return [(error as ConformanceError).code, (error as Error).message];
    }
    return ['no error', ''];
  };

  it('rejects an item that is in no suite of the run, suggesting the closest id', () => {
    const [code, message] = codeOf(() => indexAttestations([attest('demo.22')], [suite], 'attest.yaml'));
    expect(code).toBe(ErrorCodes.ATTESTATION_INVALID);
    expect(message).toContain(
      'attest.yaml: attestations[0].item: no item "demo.22" in the suites of this run (did you mean "demo.2"?)',
    );
  });

  it('rejects attesting an automated item (observation decides it) and attesting an item twice', () => {
    expect(codeOf(() => indexAttestations([attest('demo.1')], [suite], 'a.yaml'))[1]).toContain('"demo.1" is automated');
    expect(codeOf(() => indexAttestations([attest('demo.2'), attest('demo.2')], [suite], 'a.yaml'))[1]).toContain(
      'attested twice',
    );
  });
});
