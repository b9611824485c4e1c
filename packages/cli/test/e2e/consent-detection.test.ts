import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioRecord } from '@conformance/core';
import { check, conformance, readReport, root } from './helpers.js';

// Consent dialogs found without selectors (a CMP rule, the keyword heuristics), the TCF
// signal after a refusal, and the measures other checks read from the scenario evidence.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-consent-'));
});

const manifestOf = (app: string, file = 'conformance.app.yaml') => join(root, 'fixtures', 'apps', app, file);

/** `conformance run` on a fixture; `scenarios` undefined runs the default protocol (no --scenarios). */
async function assess(app: string, scenarios: string | undefined, file?: string) {
  const out = join(work, `${app}-${file ?? 'default'}-${scenarios ?? 'protocol'}`);
  const result = await conformance([
    'run',
    '--app',
    manifestOf(app, file),
    '--out',
    out,
    ...(scenarios === undefined ? [] : ['--scenarios', scenarios]),
    '--window',
    '1500',
  ]);
  const scenario = async (name: string) =>
    JSON.parse(await readFile(join(out, 'evidence', name, 'scenario.json'), 'utf8')) as ScenarioRecord;
  const timeline = async (name: string) =>
    JSON.parse(await readFile(join(out, 'evidence', name, 'timeline.json'), 'utf8')) as ScenarioRecord['timeline'];
  return { result, report: await readReport(out), scenario, timeline };
}

describe('consent dialogs without selectors', () => {
  it('vanilla-cookieconsent is found and operated by the autoconsent rule cookieconsent3; the tracker it gates follows the choice', async () => {
    const { report, scenario, timeline } = await assess('consent-cookieconsent', 'idle,accept,refuse');
    const idle = await scenario('idle');
    const rule = { method: 'cmp-rule', rule: 'cookieconsent3' };
    expect(idle.status).toBe('completed');
    expect(idle.dialog?.found).toEqual({ dialog: rule, accept: rule, reject: rule });
    expect(idle.dialog?.text).toContain('Vendor Analytics');
    expect(idle.dialog?.controls?.accept).toMatchObject({ text: 'Accept all', tapsAway: 0 });
    expect(idle.dialog?.controls?.reject).toMatchObject({ text: 'Reject all', tapsAway: 0 });
    expect((await timeline('accept')).find((entry) => entry.action === 'consent-accept')).toMatchObject({
      selector: '.cm__btn[data-role=all]',
      detail: 'cookieconsent3, 0 tap(s) away',
    });
    expect((await timeline('refuse')).find((entry) => entry.action === 'consent-reject')?.detail).toContain('cookieconsent3');
    // The analytics gated by the dialog sent after "Accept all" and nothing after "Reject all".
    expect(check(report, 'sdk.all-disclosed').summary).toContain('Vendor Analytics');
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
    expect(check(report, 'consent.no-third-party-before-choice').status).toBe('pass');
    expect(check(report, 'consent.not-reprompted-after-refusal').status).toBe('pass');
    expect(check(report, 'consent.signal-matches-choice').status).toBe('not-applicable');
  });

  it('a hand-made Chinese banner is found by the keyword heuristics (同意 / 不同意)', async () => {
    const { report, scenario, timeline } = await assess('consent-zh-banner', 'idle,refuse');
    const idle = await scenario('idle');
    expect(idle.status).toBe('completed');
    expect(idle.dialog?.found?.accept).toMatchObject({ method: 'heuristic', rule: '同意' });
    expect(idle.dialog?.found?.reject).toMatchObject({ method: 'heuristic', rule: '不同意' });
    expect(idle.dialog?.found?.accept?.confidence).toBeGreaterThanOrEqual(0.6);
    expect(idle.dialog?.text).toContain('隐私政策');
    const reject = (await timeline('refuse')).find((entry) => entry.action === 'consent-reject');
    expect(reject?.detail).toMatch(/^heuristic 0\.\d+, 0 tap\(s\) away$/);
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
    expect(check(report, 'consent.reject-on-first-layer').status).toBe('pass');
  });
});

describe('no dialog found with confidence', () => {
  it('a page without a consent dialog and no selectors ends in CONF_CONSENT_NOT_FOUND instead of a guess', async () => {
    const { result, report, scenario } = await assess('consent-tiny-reject', 'idle', 'conformance.no-dialog.app.yaml');
    expect(result.code).toBe(2);
    const idle = await scenario('idle');
    expect(idle).toMatchObject({ status: 'error', error: { code: 'CONF_CONSENT_NOT_FOUND' } });
    expect(idle.error?.message).toContain(
      'no consent dialog was found with confidence on https://consent-tiny-reject.example.test/privacy.html',
    );
    expect(idle.error?.hint).toContain('consent block');
    expect(idle.dialog).toBeUndefined();
    expect(check(report, 'consent.reject-on-first-layer').status).toBe('inconclusive');
  });
});

describe('consent.signal-matches-choice on an IAB TCF consent manager', () => {
  it('consent.signal-matches-choice fails when the TC string grants purposes and vendors after "Reject all"', async () => {
    const { report, scenario } = await assess('consent-tcf', 'refuse', 'conformance.grant-on-reject.app.yaml');
    expect((await scenario('refuse')).tcf).toEqual([
      expect.objectContaining({ after: 'consent-reject', purposeConsents: [1, 2, 3, 4], vendorConsents: [1] }),
    ]);
    expect(check(report, 'consent.signal-matches-choice')).toMatchObject({
      status: 'fail',
      summary: 'after the user refused, the TC string still grants consent to purposes 1, 2, 3, 4 and consent for vendors 1',
    });
  });

  it('consent.signal-matches-choice passes when the TC string after "Reject all" grants nothing', async () => {
    const { report, scenario } = await assess('consent-tcf', 'refuse');
    expect((await scenario('refuse')).tcf).toEqual([
      expect.objectContaining({ after: 'consent-reject', purposeConsents: [], vendorConsents: [] }),
    ]);
    expect(check(report, 'consent.signal-matches-choice').status).toBe('pass');
  });
});

describe('measures for the prominence and disclosure checks', () => {
  it('a tiny low-contrast reject link measures far smaller and paler than the accept button; the policy text is kept', async () => {
    const { scenario, report } = await assess('consent-tiny-reject', 'idle,policy');
    // The check decides on these measures: a reject far smaller and paler than accept fails it;
    // the policy names the one declared SDK, so the disclosure check passes.
    expect(check(report, 'consent.reject-as-easy-as-accept').status).toBe('fail');
    expect(check(report, 'sdk.disclosed-in-policy').status).toBe('pass');
    const { accept, reject } = (await scenario('idle')).dialog!.controls!;
    expect(accept).toMatchObject({ selector: '#consent-accept', fontSizePx: 20, tapsAway: 0 });
    expect(reject).toMatchObject({ selector: '#consent-reject', text: 'reject', fontSizePx: 10, tapsAway: 0 });
    expect(accept!.contrast).toBeGreaterThan(4.5);
    expect(reject!.contrast).toBeLessThan(2);
    expect(accept!.area).toBeGreaterThan(10 * reject!.area);
    const policy = (await scenario('policy')).policy!;
    expect(policy).toMatchObject({ reached: true, url: 'https://consent-tiny-reject.example.test/privacy.html' });
    expect(policy.text).toContain('Vendor Analytics (collect.vendor-analytics.test)');
  });
});

describe('the default protocol on a manifest without a withdraw path', () => {
  it('an app whose manifest has no withdraw path: the default protocol leaves withdraw out and says why; its checks are not-run, the rest decided', async () => {
    const { result, report } = await assess('consent-zh-banner', undefined);
    expect(result.stderr).toContain('withdraw left out: the manifest declares no withdraw path');
    expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([
      ['idle', 'completed'],
      ['refuse', 'completed'],
      ['accept', 'completed'],
      ['policy', 'completed'],
      ['gpc', 'completed'],
    ]);
    expect(check(report, 'consent.withdrawal-respected')).toMatchObject({
      status: 'not-run',
      summary: expect.stringContaining('left out of this run: the manifest declares no withdraw path'),
    });
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
    // No scenario ended in the missing-path error (it did before, after the others had run).
    expect(result.stderr).not.toContain('CONF_MANIFEST_INVALID');
  });
});
