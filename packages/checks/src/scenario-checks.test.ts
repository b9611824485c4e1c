import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '@conformance/analyzer';
import type { AppManifest, ApiEvent, DialogFacts, ScenarioEvidence } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark, T0 } from '@conformance/testing';
import { apiNoSensitiveReadsBeforeConsent } from './api-no-sensitive-reads-before-consent.js';
import { consentNoPretickedBoxes } from './consent-no-preticked-boxes.js';
import { consentNotRepromptedAfterRefusal } from './consent-not-reprompted-after-refusal.js';
import { consentPolicyWithin4Taps } from './consent-policy-within-4-taps.js';
import { consentRefusalRespected } from './consent-refusal-respected.js';
import { consentRejectOnFirstLayer } from './consent-reject-on-first-layer.js';
import { consentWithdrawalRespected } from './consent-withdrawal-respected.js';
import { runCheck, type CheckDefinition } from './define.js';
import { gpcHonoured } from './gpc-honoured.js';
import { permissionsNoneBeforeConsent } from './permissions-none-before-consent.js';
import { sdkAllDisclosed } from './sdk-all-disclosed.js';

const manifest = makeManifest({
  sdks: [
    { name: 'Vendor Analytics', hosts: ['collect.vendor.test'] },
    { name: 'CDN', hosts: ['cdn.example.net'], necessary: true, reason: 'serves the scripts' },
  ],
});
const decide = (check: CheckDefinition, scenarios: ScenarioEvidence[], m: AppManifest = manifest) =>
  runCheck(check, analyzeBundle({ manifest: m, scenarios }));

const dialog = (overrides: Partial<DialogFacts> = {}): DialogFacts => ({
  shown: true,
  rejectOnFirstLayer: true,
  rejectSelector: '#reject',
  toggles: [{ label: 'Personalised ads', checked: false }],
  policyLink: true,
  buttons: ['Accept', 'Reject'],
  screenshot: 'consent-dialog.png',
  ...overrides,
});
const idle = (overrides: Partial<ScenarioEvidence> = {}, events: ApiEvent[] = []) =>
  makeScenario('idle', [], [mark('launch', 0)], { dialog: dialog(), events, ...overrides });
const event = (
  api: string,
  at: number,
  kind: ApiEvent['kind'] = 'permission',
  script = 'https://collect.vendor.test/sdk.js',
): ApiEvent => ({
  kind,
  api,
  at: T0 + at,
  script,
});

describe('consent.refusal-respected', () => {
  const timeline = [mark('launch', 0), mark('consent-reject', 2000), mark('relaunch', 6000)];
  it('consent.refusal-respected fails on an SDK request after the refusal, citing the refusal and the flow', () => {
    const leak = makeFlow('https://collect.vendor.test/v1/batch', 4000, { method: 'POST' });
    const result = decide(consentRefusalRespected, [makeScenario('refuse', [leak], timeline)]);
    expect(result.status).toBe('fail');
    expect(result.evidence).toEqual([
      expect.objectContaining({ kind: 'timeline', action: 'consent-reject' }),
      expect.objectContaining({ kind: 'flow', flowId: leak.id, phase: 'after-refuse' }),
    ]);
  });
  it('consent.refusal-respected passes when only the first party and a necessary CDN are contacted after refusing', () => {
    const flows = [makeFlow('https://app.example.test/api', 3000), makeFlow('https://cdn.example.net/lib.js', 3100)];
    expect(decide(consentRefusalRespected, [makeScenario('refuse', flows, timeline)]).status).toBe('pass');
  });
  it('consent.refusal-respected cites the personal data the offending flow carried', () => {
    const body = JSON.stringify({ event: 'article_open', user: { phone: '2025550143' } });
    const leak = makeFlow('https://collect.vendor.test/v1/batch', 4000, {
      method: 'POST',
      body: { size: body.length, sha256: '0'.repeat(64), encoding: 'utf8', data: body },
    });
    const analysis = analyzeBundle({
      manifest,
      scenarios: [makeScenario('refuse', [leak], timeline)],
      canaries: [{ category: 'contact.phone', kind: 'phone', value: '2025550143' }],
    });
    const result = runCheck(consentRefusalRespected, analysis);
    expect(result.summary).toContain('they carried contact.phone');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({ kind: 'note', detail: expect.stringContaining(`flow ${leak.id}: contact.phone at body`) }),
    );
  });

  it('consent.refusal-respected is inconclusive when no refusal was possible', () => {
    expect(decide(consentRefusalRespected, [makeScenario('refuse', [], [mark('launch', 0)])]).status).toBe('inconclusive');
  });
});

describe('consent.withdrawal-respected', () => {
  const timeline = [mark('launch', 0), mark('consent-accept', 1000), mark('withdraw', 5000)];
  it('consent.withdrawal-respected fails on a request past the 2 s grace after withdrawal', () => {
    const late = makeFlow('https://collect.vendor.test/v1/batch', 8000);
    expect(decide(consentWithdrawalRespected, [makeScenario('withdraw', [late], timeline)]).status).toBe('fail');
  });
  it('consent.withdrawal-respected ends the grace at the next tap: what the tap causes is new collection', () => {
    const withTap = [...timeline, mark('tap', 5200, { selector: '#article' })];
    const causedByTap = makeFlow('https://collect.vendor.test/v1/batch', 5500);
    expect(decide(consentWithdrawalRespected, [makeScenario('withdraw', [causedByTap], withTap)]).status).toBe('fail');
  });

  it('consent.withdrawal-respected allows requests already in flight within the grace', () => {
    const inFlight = makeFlow('https://collect.vendor.test/v1/batch', 5500);
    const before = makeFlow('https://collect.vendor.test/v1/batch', 3000);
    expect(decide(consentWithdrawalRespected, [makeScenario('withdraw', [before, inFlight], timeline)]).status).toBe('pass');
  });
});

describe('consent.reject-on-first-layer', () => {
  it('consent.reject-on-first-layer fails when the dialog has no reject option, and when there is no dialog', () => {
    expect(
      decide(consentRejectOnFirstLayer, [
        idle({ dialog: dialog({ rejectOnFirstLayer: false, rejectSelector: null, buttons: ['Accept', 'Settings'] }) }),
      ]),
    ).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('Accept, Settings'),
    });
    expect(decide(consentRejectOnFirstLayer, [idle({ dialog: dialog({ shown: false }) })]).status).toBe('fail');
  });
  it('consent.reject-on-first-layer passes with a reject button, citing the dialog screenshot', () => {
    const result = decide(consentRejectOnFirstLayer, [idle()]);
    expect(result.status).toBe('pass');
    expect(result.evidence).toContainEqual({ kind: 'screenshot', scenario: 'idle', file: 'consent-dialog.png' });
  });
});

describe('consent.no-preticked-boxes', () => {
  it('consent.no-preticked-boxes fails naming the pre-ticked box', () => {
    const ticked = dialog({
      toggles: [
        { label: 'Share with partners', checked: true },
        { label: 'Ads', checked: false },
      ],
    });
    expect(decide(consentNoPretickedBoxes, [idle({ dialog: ticked })])).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('"Share with partners"'),
    });
  });
  it('consent.no-preticked-boxes passes when every box starts unticked', () => {
    expect(decide(consentNoPretickedBoxes, [idle()]).status).toBe('pass');
  });
});

describe('consent.not-reprompted-after-refusal', () => {
  const timeline = [mark('launch', 0), mark('consent-reject', 1000), mark('relaunch', 3000)];
  it('consent.not-reprompted-after-refusal fails when the dialog comes back at relaunch', () => {
    expect(
      decide(consentNotRepromptedAfterRefusal, [makeScenario('refuse', [], timeline, { repromptedAfterRelaunch: true })]).status,
    ).toBe('fail');
  });
  it('consent.not-reprompted-after-refusal passes when the refusal is remembered', () => {
    expect(
      decide(consentNotRepromptedAfterRefusal, [makeScenario('refuse', [], timeline, { repromptedAfterRelaunch: false })]).status,
    ).toBe('pass');
  });
});

describe('consent.policy-within-4-taps', () => {
  const policy = (taps: number | null, reached = true) =>
    makeScenario('policy', [], [mark('launch', 0)], {
      policy: { reached, taps, path: Array(taps ?? 0).fill('#x'), method: 'manifest-path', explored: 1 },
    });
  it('consent.policy-within-4-taps fails at 6 taps and when the policy is never reached', () => {
    expect(decide(consentPolicyWithin4Taps, [policy(6)])).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('6 taps'),
    });
    expect(decide(consentPolicyWithin4Taps, [policy(null, false)]).status).toBe('fail');
  });
  it('consent.policy-within-4-taps passes at 2 taps (and at exactly 4)', () => {
    expect(decide(consentPolicyWithin4Taps, [policy(2)]).status).toBe('pass');
    expect(decide(consentPolicyWithin4Taps, [policy(4)]).status).toBe('pass');
  });
});

describe('permissions.none-before-consent and api.no-sensitive-reads-before-consent', () => {
  const accept = (events: ApiEvent[]) =>
    makeScenario('accept', [], [mark('launch', 0), mark('consent-accept', 3000)], { events });
  it('permissions.none-before-consent fails on a geolocation request at startup, attributing it to the SDK', () => {
    const result = decide(permissionsNoneBeforeConsent, [idle({}, [event('geolocation', 500)]), accept([])]);
    expect(result.status).toBe('fail');
    expect(result.evidence[0]).toMatchObject({
      kind: 'api-event',
      api: 'geolocation',
      phase: 'before-choice',
      attributedTo: expect.stringContaining('Vendor Analytics'),
    });
  });
  it('permissions.none-before-consent passes when the permission is asked only after accepting', () => {
    expect(decide(permissionsNoneBeforeConsent, [idle(), accept([event('geolocation', 4000)])]).status).toBe('pass');
  });
  it('api.no-sensitive-reads-before-consent fails on a canvas read before the choice and passes after it', () => {
    const canvas = (at: number) => event('canvas.toDataURL', at, 'sensitive-api', 'https://fp.tracker.test/fp.js');
    expect(decide(apiNoSensitiveReadsBeforeConsent, [idle({}, [canvas(100)]), accept([])])).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('canvas.toDataURL by undeclared third party (https://fp.tracker.test/fp.js)'),
    });
    expect(decide(apiNoSensitiveReadsBeforeConsent, [idle(), accept([canvas(3500)])]).status).toBe('pass');
  });
  it('api.no-sensitive-reads-before-consent is inconclusive when nothing was instrumented', () => {
    expect(decide(apiNoSensitiveReadsBeforeConsent, [makeScenario('idle', []), makeScenario('accept', [])]).status).toBe(
      'inconclusive',
    );
  });
});

describe('sdk.all-disclosed', () => {
  it('sdk.all-disclosed fails on a request to an undeclared host and on a script from one', () => {
    const undeclared = makeFlow('https://pixel.adnet.test/p', 4000);
    expect(decide(sdkAllDisclosed, [idle(), makeScenario('accept', [undeclared])])).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('pixel.adnet.test'),
    });
    const initiators = [
      { url: 'https://collect.vendor.test/b', method: 'POST', at: T0, type: 'script', script: 'https://cdn.tracker.test/t.js' },
    ];
    expect(decide(sdkAllDisclosed, [idle(), makeScenario('accept', [], undefined, { initiators })]).summary).toContain(
      'https://cdn.tracker.test/t.js',
    );
  });
  it('sdk.all-disclosed passes when every third party is declared', () => {
    const declared = makeFlow('https://collect.vendor.test/b', 4000);
    expect(decide(sdkAllDisclosed, [idle(), makeScenario('accept', [declared])]).status).toBe('pass');
  });
});

describe('gpc.honoured', () => {
  const gpc = (flows = [makeFlow('https://collect.vendor.test/b', 4000)]) =>
    makeScenario('gpc', flows, [mark('launch', 0), mark('consent-accept', 2000)], { gpc: true });
  it('gpc.honoured fails when analytics is sent with GPC on, even after accepting', () => {
    expect(decide(gpcHonoured, [gpc()]).status).toBe('fail');
  });
  it('gpc.honoured passes when nothing goes to a third party with GPC on', () => {
    expect(decide(gpcHonoured, [gpc([])]).status).toBe('pass');
  });
  it('gpc.honoured is not applicable when the app neither sells nor shares', () => {
    expect(decide(gpcHonoured, [gpc()], makeManifest({ sellsOrShares: false })).status).toBe('not-applicable');
  });
  it('gpc.honoured is inconclusive, never passed, when the gpc scenario ended in an error (e.g. CONF_GPC_NOT_APPLIED)', () => {
    const errored = makeScenario('gpc', [], [mark('launch', 0)], {
      gpc: true,
      status: 'error',
      error: { code: 'CONF_GPC_NOT_APPLIED', message: 'no web view context appeared within 20000 ms (contexts: NATIVE_APP)' },
    });
    const result = decide(gpcHonoured, [errored]);
    expect(result.status).toBe('inconclusive');
    // The same on an Android web-view app, where nothing went to a third party either.
    const android = makeManifest({ ...manifest, platform: 'android', appId: 'com.example.news', webView: true });
    expect(decide(gpcHonoured, [errored], android).status).toBe('inconclusive');
  });

  it('gpc.honoured on the web: a signal the page read back as not set is inconclusive; a bundle without the record is judged as before', () => {
    const signal = { context: 'browser', header: 'Sec-GPC: 1', script: 'navigator.globalPrivacyControl = true' } as const;
    const withSignal = (readBack: boolean) =>
      makeScenario('gpc', [], [mark('launch', 0), mark('consent-accept', 2000)], {
        gpc: true,
        gpcSignal: { ...signal, readBack },
      });
    expect(decide(gpcHonoured, [withSignal(true)]).status).toBe('pass');
    expect(decide(gpcHonoured, [withSignal(false)])).toMatchObject({
      status: 'inconclusive',
      summary: expect.stringContaining("not read back from the app's page"),
    });
    expect(decide(gpcHonoured, [gpc([])]).status).toBe('pass');
  });

  describe('on an Android app whose UI is a web view', () => {
    const signal = {
      context: 'WEBVIEW_com.example.news',
      header: 'Sec-GPC: 1',
      script: 'navigator.globalPrivacyControl = true',
      readBack: true,
    } as const;
    const native = (webView?: boolean) =>
      makeManifest({ platform: 'android', appId: 'com.example.news', ...(webView === undefined ? {} : { webView }) });
    const inWebView = (flows = [makeFlow('https://collect.vendor.test/b', 4000)], readBack = true) =>
      makeScenario('gpc', flows, [mark('launch', 0), mark('consent-accept', 2000)], {
        gpc: true,
        gpcSignal: { ...signal, readBack },
      });
    it('gpc.honoured judges it when the signal was read back in the web view: pass and fail', () => {
      expect(decide(gpcHonoured, [inWebView([])], native(true)).status).toBe('pass');
      expect(decide(gpcHonoured, [inWebView()], native(true)).status).toBe('fail');
    });
    it('gpc.honoured is inconclusive when the evidence does not say the signal was read back', () => {
      expect(decide(gpcHonoured, [inWebView([], false)], native(true))).toMatchObject({
        status: 'inconclusive',
        summary: expect.stringContaining('not read back'),
      });
      expect(decide(gpcHonoured, [gpc([])], native(true)).status).toBe('inconclusive');
    });
    it('gpc.honoured cannot judge an Android app that is not marked webView', () => {
      expect(decide(gpcHonoured, [inWebView([])], native()).summary).toContain('cannot judge android apps');
      expect(decide(gpcHonoured, [inWebView([])], native(false)).status).toBe('inconclusive');
    });
  });
});
