import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@conformance/core';
import { app, check, conformance, readReport, root, statuses } from './helpers.js';

/** Which of the facts some checks read were recorded by this run (dialog text and measurements, the policy's text). */
async function capture(out: string) {
  const read = async (scenario: string) =>
    JSON.parse(await readFile(join(out, 'evidence', scenario, 'scenario.json'), 'utf8').catch(() => '{}'));
  const idle = await read('idle');
  const policy = await read('policy');
  return {
    dialogText: Boolean(idle.dialog?.text),
    controls: Boolean(idle.dialog?.controls?.accept && idle.dialog?.controls?.reject),
    policyText: Boolean(policy.policy?.text),
  };
}

/** The checks that cannot decide without those facts: inconclusive exactly when the run did not record them. */
async function undecidedWithoutCapture(out: string): Promise<string[]> {
  const captured = await capture(out);
  return [
    ...(captured.controls ? [] : ['consent.reject-as-easy-as-accept']),
    ...(captured.dialogText ? [] : ['consent.notice-discloses']),
    ...(captured.policyText ? [] : ['sdk.disclosed-in-policy']),
  ];
}

const undecided = (report: Report) => report.checks.filter((c) => c.status === 'inconclusive').map((c) => c.id);

// Long enough for collection.no-timer-driven-beacons to see a quiet stretch after the journey.
const WINDOW = '4000';
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
});

// A company suite, given as a folder: what --suite does with a team's own rules.
const ACME = join(root, 'packages', 'checks', 'test', 'fixtures', 'acme-policy');

describe('conformance run: news-leaky, every scenario', () => {
  let out: string;
  let attest: string;
  let result: Awaited<ReturnType<typeof conformance>>;
  beforeAll(async () => {
    out = join(work, 'leaky');
    attest = join(work, 'attest.yaml');
    await writeFile(
      attest,
      'attestations:\n  - item: acme-policy.4\n    outcome: fail\n    name: Jane Doe\n    date: 2026-11-30\n',
    );
    result = await conformance([
      'run',
      '--app',
      app('news-leaky'),
      '--out',
      out,
      '--window',
      WINDOW,
      '--suite',
      ACME,
      '--attest',
      attest,
    ]);
  });

  it('consent.no-third-party-before-choice fails with the collector flow as evidence, although the SDK hides from automated browsers (exit 1)', async () => {
    const report = await readReport(out);
    // 1: checks failed; 2 only while a check could not decide (see undecidedWithoutCapture).
    expect(result.code, result.stderr).toBe(report.totals.inconclusive > 0 ? 2 : 1);
    expect(undecided(report)).toEqual(await undecidedWithoutCapture(out));
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['idle', 'completed'],
      ['refuse', 'completed'],
      ['accept', 'completed'],
      ['withdraw', 'completed'],
      ['policy', 'completed'],
      ['gpc', 'completed'],
    ]);
    const consent = check(report, 'consent.no-third-party-before-choice');
    expect(consent.status).toBe('fail');
    expect(consent.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'flow',
        scenario: 'idle',
        method: 'POST',
        host: 'collect.vendor-analytics.test',
        phase: 'before-choice',
      }),
    );
    expect(result.stdout).toMatch(/FAIL\s+consent\.no-third-party-before-choice/);
    // Where the time went: printed, and in report.json for every scenario that ran.
    expect(result.stdout).toMatch(/^time: [\d.]+ s = set-up [\d.]+ s \+ scenarios [\d.]+ s/m);
    expect(report.timing?.scenarios.map((s) => s.name).sort()).toEqual(['accept', 'gpc', 'idle', 'policy', 'refuse', 'withdraw']);
    const scenario = JSON.parse(await readFile(join(out, 'evidence', 'idle', 'scenario.json'), 'utf8'));
    // idle watches its whole window; refuse may end its window once the network is quiet, and says so.
    expect(scenario.observed).toMatchObject({ endedBy: 'window' });
    const refuse = JSON.parse(await readFile(join(out, 'evidence', 'refuse', 'scenario.json'), 'utf8'));
    expect(refuse.observed).toMatchObject({ plannedMs: Number(WINDOW), endedBy: expect.stringMatching(/^(window|quiet)$/) });
    expect(scenario.stealth.join(' ')).toContain('navigator.webdriver reads false');
  });

  it('fails refusal, re-prompting, disclosure, GPC and TLS, each citing what it saw', async () => {
    const report = await readReport(out);
    expect(
      statuses(report, [
        'consent.no-identifier-before-choice',
        'payload.no-cleartext-personal-data',
        'consent.refusal-respected',
        'consent.not-reprompted-after-refusal',
        'consent.withdrawal-respected',
        'sdk.all-disclosed',
        'gpc.honoured',
        'transport.tls-everywhere',
      ]),
    ).toEqual({
      'consent.no-identifier-before-choice': 'fail',
      'payload.no-cleartext-personal-data': 'fail',
      'consent.refusal-respected': 'fail',
      'consent.not-reprompted-after-refusal': 'fail',
      'consent.withdrawal-respected': 'fail',
      'sdk.all-disclosed': 'fail',
      'gpc.honoured': 'fail',
      'transport.tls-everywhere': 'fail',
    });
    expect(check(report, 'consent.refusal-respected').evidence[0]).toMatchObject({ kind: 'timeline', action: 'consent-reject' });
    expect(check(report, 'sdk.all-disclosed').summary).toContain('pixel.adnet.test');
    // The SDK's device id, harvested from localStorage, is what went out before consent.
    expect(check(report, 'consent.no-identifier-before-choice').summary).toContain('device-id.app-scoped');
    expect(check(report, 'consent.refusal-respected').summary).toContain('they carried device-id.app-scoped');
    expect(check(report, 'transport.tls-everywhere').evidence[0]).toMatchObject({
      scheme: 'http',
      host: 'collect.vendor-analytics.test',
    });
  });

  it('keeps a bundle whose checksums hold and from which analyze re-derives the same verdicts', async () => {
    const report = await readReport(out);
    const flowId = (check(report, 'consent.no-third-party-before-choice').evidence[0] as { flowId: string }).flowId;
    expect(await readFile(join(out, 'evidence', 'idle', 'flows.jsonl'), 'utf8')).toContain(flowId);
    const sums = await readFile(join(out, 'evidence', 'SHA256SUMS'), 'utf8');
    for (const file of [
      'idle/flows.jsonl',
      'idle/events.json',
      'refuse/after-relaunch.png',
      'accept/storage.json',
      'canaries.json',
    ]) {
      expect(sums).toContain(file);
    }
    const again = await conformance(['analyze', out, '--out', join(work, 'leaky-again'), '--suite', ACME, '--attest', attest]);
    expect(again.code).toBe(result.code);
    const reanalyzed = await readReport(join(work, 'leaky-again'));
    expect(reanalyzed.checks.map((c) => [c.id, c.status, c.evidence.length])).toEqual(
      report.checks.map((c) => [c.id, c.status, c.evidence.length]),
    );
    // analyze --suite on the stored bundle reproduces the item verdicts of the run.
    const items = (r: Report) =>
      r.suites.flatMap((suite) => suite.items.map((item) => [item.id, item.status, item.evidence.length]));
    expect(items(reanalyzed)).toEqual(items(report));
    expect(reanalyzed.suites.map((s) => [s.score, s.grade, s.coverage])).toEqual(
      report.suites.map((s) => [s.score, s.grade, s.coverage]),
    );
  });

  it('scores the run against the suite given with --suite: failed items, an attested item, the summary on stdout', async () => {
    const report = await readReport(out);
    expect(report.suites).toHaveLength(1);
    const [suite] = report.suites;
    expect(suite!.items.map((item) => [item.id, item.status])).toEqual([
      ['acme-policy.1', 'fail'],
      ['acme-policy.2', 'fail'],
      ['acme-policy.3', 'fail'],
      ['acme-policy.4', 'attested-fail'],
    ]);
    expect(suite!.items[0]!.evidence).toContainEqual(
      expect.objectContaining({ kind: 'flow', host: 'collect.vendor-analytics.test', phase: 'before-choice' }),
    );
    expect(suite).toMatchObject({ score: 0, grade: 'F', coverage: 0.75 });
    expect(result.stdout).toMatch(/acme-policy\s+0\.0\s+F\s+75 %/);
    expect(result.stdout).toContain('acme-policy.1  Rule 1  [critical]  Nothing leaves before the user chooses');
    expect(result.stdout).toContain('(attested, not observed)');
  });
});

describe('conformance run: news-careful, every scenario', () => {
  it('passes every check that applies; fails gpc.honoured, since it ignores Global Privacy Control; no critical item fails, so the default gate passes', async () => {
    const out = join(work, 'careful');
    const result = await conformance(['run', '--app', app('news-careful'), '--out', out, '--window', WINDOW]);
    const report = await readReport(out);
    const failed = report.suites.flatMap((suite) => suite.items).filter((item) => item.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((item) => item.severity === 'critical').map((item) => item.id)).toEqual([]);
    // --fail-on critical (the default) passes; 2 only while a check could not decide.
    expect(result.code, result.stderr).toBe(report.totals.inconclusive > 0 ? 2 : 0);
    if (report.totals.inconclusive === 0) {
      // The same bundle gated on every failure fails.
      const strict = await conformance(['analyze', out, '--out', join(work, 'careful-any'), '--fail-on', 'any']);
      expect(strict.code, strict.stderr).toBe(1);
    }
    const captured = await capture(out);
    const expected = Object.fromEntries(report.checks.map((c) => [c.id, 'pass']));
    expected['gpc.honoured'] = 'fail';
    expected['payload.encrypted'] = 'not-applicable'; // no declared SDK promises encryption
    // Its SDK sends the device id it keeps in localStorage readable (under TLS): not encrypted.
    expected['payload.personal-data-encrypted'] = 'fail';
    // Its notice names the partner, the purpose and how to withdraw (news-leaky's never says how).
    expect(captured).toMatchObject({ dialogText: true, controls: true, policyText: true });
    // Measured on the first layer: reject is a button like accept.
    expected['consent.reject-as-easy-as-accept'] = 'pass';
    // The policy page names Vendor Analytics.
    expected['sdk.disclosed-in-policy'] = 'pass';
    // Its dialog is no IAB TCF consent manager: there is no TC string to compare.
    expected['consent.signal-matches-choice'] = 'not-applicable';
    expect(Object.fromEntries(report.checks.map((c) => [c.id, c.status]))).toEqual(expected);
    expect(check(report, 'gpc.honoured').status).toBe('fail');
    // Observed passes, not vacuous ones: the SDK did send over TLS after consent,
    // the policy was found by exploring (no path in the manifest), a refusal was remembered.
    expect(check(report, 'transport.tls-everywhere').summary).toMatch(/all [1-9]\d* request\(s\)/);
    expect(check(report, 'consent.policy-within-4-taps').summary).toBe('the privacy policy is 2 tap(s) from the main UI');
    const storage = JSON.parse(await readFile(join(out, 'evidence', 'accept', 'storage.json'), 'utf8'));
    expect(JSON.stringify(storage.origins)).toContain('va_device_id');
    const stores = storage.origins.flatMap((origin: { indexedDB: { store: string; sample?: string[] }[] }) => origin.indexedDB);
    expect(stores).toContainEqual(
      expect.objectContaining({ store: 'install', sample: [expect.stringContaining('"installId":"inst-')] }),
    );
  });
});

describe('conformance run: input errors', () => {
  it('exits 2 on a manifest with a misspelled key, naming the key, before starting anything', async () => {
    const manifest = join(work, 'typo.app.yaml');
    const text = await readFile(app('news-careful'), 'utf8');
    await writeFile(manifest, text.replace('firstParty:', 'firstParti:'));
    const result = await conformance(['run', '--app', manifest, '--out', join(work, 'typo')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key "firstParti" (did you mean "firstParty"?)');
    expect(result.stderr).toContain(manifest);
  });
});
