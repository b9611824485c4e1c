import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { analyzeBundle, trackerLookupFrom } from '@conformance/analyzer';
import type { ControlMeasure, DialogFacts, FlowRecord, PolicyOutcome, ScenarioEvidence } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { consentNoIdentifierBeforeChoice } from './consent-no-identifier-before-choice.js';
import { consentNoPersonalDataBeforeChoice } from './consent-no-personal-data-before-choice.js';
import { consentNoticeDiscloses } from './consent-notice-discloses.js';
import { consentRejectAsEasyAsAccept, defineRejectAsEasyAsAcceptCheck } from './consent-reject-as-easy-as-accept.js';
import { runCheck, type CheckDefinition } from './define.js';
import { payloadPersonalDataEncrypted } from './payload-personal-data-encrypted.js';
import { sdkDisclosedInPolicy } from './sdk-disclosed-in-policy.js';

const manifest = makeManifest();
const acceptTimeline = [mark('launch', 0), mark('consent-accept', 5000)];
const decide = (check: CheckDefinition, scenarios: ScenarioEvidence[], m = manifest, trackers = trackerLookupFrom(new Map())) =>
  runCheck(check, analyzeBundle({ manifest: m, scenarios }, { trackers }));

function post(url: string, at: number, body: Buffer | string | object): FlowRecord {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return makeFlow(url, at, {
    method: 'POST',
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: 'base64',
      data: bytes.toString('base64'),
    },
  });
}

const key = Buffer.alloc(32, 7);
const cipher = createCipheriv('aes-256-gcm', key, key.subarray(0, 12));
const ciphertext = Buffer.concat([
  cipher.update(JSON.stringify({ events: Array.from({ length: 30 }, (_, i) => ({ i, n: 'open', phone: '13812345678' })) })),
  cipher.final(),
]);
const preciseLocation = { device: { lat: 31.230416, lng: 121.473701 } };

describe('consent.no-personal-data-before-choice and consent.no-identifier-before-choice', () => {
  it('consent.no-personal-data-before-choice fails on precise location sent to a third party before the choice, which no-identifier-before-choice leaves alone', () => {
    const early = post('https://collect.vendor.test/v1/loc', 800, preciseLocation);
    const scenarios = [makeScenario('idle', [early]), makeScenario('accept', [], acceptTimeline)];
    const personal = decide(consentNoPersonalDataBeforeChoice, scenarios);
    expect(personal.status).toBe('fail');
    expect(personal.summary).toContain('location.precise');
    expect(personal.evidence[0]).toMatchObject({ kind: 'flow', flowId: early.id, phase: 'before-choice' });
    const identifier = decide(consentNoIdentifierBeforeChoice, scenarios);
    expect(identifier.status).toBe('pass');
    expect(identifier.summary).toContain('none carrying an identifier');
  });

  it('consent.no-identifier-before-choice fails on an advertising id before the choice and cites only the identifier', () => {
    const early = post('https://collect.vendor.test/v1/i?gaid=38400000-8cf0-11bd-b23e-10b96e40000d', 800, preciseLocation);
    const result = decide(consentNoIdentifierBeforeChoice, [
      makeScenario('idle', [early]),
      makeScenario('accept', [], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('device-id.resettable');
    expect(result.summary).not.toContain('location.precise');
  });

  it('consent.no-personal-data-before-choice passes when personal data goes out only after the choice, or only to the first party', () => {
    const firstParty = post('https://app.example.test/api/loc', 800, preciseLocation);
    const later = post('https://collect.vendor.test/v1/loc', 6000, preciseLocation);
    const ping = makeFlow('https://collect.vendor.test/ping?v=1', 900);
    const result = decide(consentNoPersonalDataBeforeChoice, [
      makeScenario('idle', [firstParty, ping]),
      makeScenario('accept', [later], acceptTimeline),
    ]);
    expect(result.status).toBe('pass');
    expect(result.summary).toMatch(/^1 request\(s\) to third parties before any choice/);
  });
});

describe('payload.personal-data-encrypted', () => {
  it('payload.personal-data-encrypted fails on a readable phone number sent to an SDK over TLS', () => {
    const flow = post('https://collect.vendor.test/v1/batch', 6000, { user: { phone: '13812345678' } });
    const result = decide(payloadPersonalDataEncrypted, [
      makeScenario('idle', []),
      makeScenario('accept', [flow], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('contact.phone');
    expect(result.summary).toContain('(cleartext)');
    expect(result.evidence[0]).toMatchObject({ kind: 'flow', flowId: flow.id, scheme: 'https' });
  });

  it('payload.personal-data-encrypted fails on merely encoded (base64) personal data', () => {
    const body = Buffer.from(JSON.stringify({ user: { phone: '13812345678' } })).toString('base64');
    const flow = post('https://collect.vendor.test/v1/batch', 6000, body);
    const result = decide(payloadPersonalDataEncrypted, [
      makeScenario('idle', []),
      makeScenario('accept', [flow], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('(encoded)');
  });

  it('payload.personal-data-encrypted passes on ciphertext and does not count a payload without personal data', () => {
    const sealed = post('https://collect.vendor.test/v1/batch', 6000, ciphertext);
    const plain = post('https://collect.vendor.test/v1/ping', 6500, { event: 'open', sdkVersion: '1.2.0' });
    const firstParty = post('https://app.example.test/api/profile', 7000, { user: { phone: '13812345678' } });
    const result = decide(payloadPersonalDataEncrypted, [
      makeScenario('idle', []),
      makeScenario('accept', [sealed, plain, firstParty], acceptTimeline),
    ]);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('none of 2 payload(s) to third parties carried readable personal data (1 look encrypted');
    expect(result.evidence[0]).toMatchObject({ kind: 'flow', flowId: sealed.id });
  });

  it('payload.personal-data-encrypted is not applicable when no payload went to a third party', () => {
    const result = decide(payloadPersonalDataEncrypted, [
      makeScenario('idle', []),
      makeScenario('accept', [makeFlow('https://collect.vendor.test/pixel.gif', 6000)], acceptTimeline),
    ]);
    expect(result.status).toBe('not-applicable');
  });
});

const measure = (overrides: Partial<ControlMeasure> = {}): ControlMeasure => ({
  selector: '#accept',
  text: 'Accept all',
  area: 12_000,
  fontSizePx: 16,
  contrast: 7,
  tapsAway: 0,
  ...overrides,
});
const dialog = (overrides: Partial<DialogFacts> = {}): DialogFacts => ({
  shown: true,
  rejectOnFirstLayer: true,
  rejectSelector: '#reject',
  toggles: [],
  policyLink: true,
  buttons: ['Accept all', 'Reject all'],
  screenshot: 'consent-dialog.png',
  ...overrides,
});
const idleWith = (facts: DialogFacts) => [makeScenario('idle', [], [mark('launch', 0)], { dialog: facts })];

describe('consent.reject-as-easy-as-accept', () => {
  it('consent.reject-as-easy-as-accept passes when reject is about as prominent as accept, recording the measurements', () => {
    const result = decide(
      consentRejectAsEasyAsAccept,
      idleWith(
        dialog({
          controls: {
            accept: measure(),
            reject: measure({ selector: '#reject', text: 'Reject all', area: 9000, fontSizePx: 14, contrast: 4.5 }),
          },
        }),
      ),
    );
    expect(result.status).toBe('pass');
    expect(result.evidence).toContainEqual({ kind: 'screenshot', scenario: 'idle', file: 'consent-dialog.png' });
    expect(result.evidence).toContainEqual({
      kind: 'note',
      detail: expect.stringContaining('area: ok — reject 9000 px², accept 12000 px² (75 %'),
    });
    expect(result.evidence).toContainEqual({
      kind: 'note',
      detail: expect.stringContaining('contrast: ok — reject 4.50:1, accept 7.00:1'),
    });
  });

  it('consent.reject-as-easy-as-accept fails on a small, faint reject link', () => {
    const reject = measure({ selector: '#reject', text: 'no thanks', area: 2000, fontSizePx: 11, contrast: 1.8 });
    const result = decide(consentRejectAsEasyAsAccept, idleWith(dialog({ controls: { accept: measure(), reject } })));
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('reject ("no thanks") is less prominent than accept ("Accept all")');
    expect(result.summary).toContain('17 %; at least 50 % required');
    expect(result.summary).toContain('reject 11 px, accept 16 px');
    expect(result.summary).toContain('reject 1.80:1');
  });

  it('consent.reject-as-easy-as-accept fails when reject needs an extra tap, and honours other thresholds', () => {
    const deeper = measure({ selector: '#reject', text: 'Reject', tapsAway: 1 });
    expect(
      decide(consentRejectAsEasyAsAccept, idleWith(dialog({ controls: { accept: measure(), reject: deeper } }))).summary,
    ).toContain('reject 1 tap(s) away, accept 0');
    const strict = defineRejectAsEasyAsAcceptCheck({
      minAreaRatio: 0.9,
      minFontRatio: 1,
      minContrast: 4.5,
      minContrastShareOfAccept: 1,
      maxExtraTaps: 0,
    });
    const smaller = measure({ selector: '#reject', text: 'Reject', area: 10_000 });
    expect(decide(strict, idleWith(dialog({ controls: { accept: measure(), reject: smaller } }))).status).toBe('fail');
    expect(
      decide(consentRejectAsEasyAsAccept, idleWith(dialog({ controls: { accept: measure(), reject: smaller } }))).status,
    ).toBe('pass');
  });

  it('consent.reject-as-easy-as-accept is inconclusive without measurements, and when a measure that matters is missing', () => {
    const none = decide(consentRejectAsEasyAsAccept, idleWith(dialog()));
    expect(none).toMatchObject({ status: 'inconclusive', summary: 'the accept and reject control was not measured' });
    const noFont = decide(
      consentRejectAsEasyAsAccept,
      idleWith(dialog({ controls: { accept: measure(), reject: measure({ fontSizePx: null }) } })),
    );
    expect(noFont.status).toBe('inconclusive');
    expect(noFont.summary).toContain('font size could not be measured');
  });

  it('consent.reject-as-easy-as-accept fails when the first layer has no reject control at all', () => {
    expect(decide(consentRejectAsEasyAsAccept, idleWith(dialog({ rejectOnFirstLayer: false }))).status).toBe('fail');
  });
});

describe('consent.notice-discloses', () => {
  it('consent.notice-discloses passes on an English notice naming purposes, partners and how to withdraw', () => {
    const text =
      'We and our partners use cookies for analytics and advertising. You can withdraw your consent at any time in Settings.';
    const result = decide(consentNoticeDiscloses, idleWith(dialog({ text })));
    expect(result.status).toBe('pass');
    expect(result.evidence).toContainEqual({
      kind: 'note',
      detail: expect.stringMatching(/^how to withdraw consent: found "withdraw"/),
    });
  });

  it('consent.notice-discloses passes on a Chinese notice', () => {
    const text = '我们使用第三方SDK收集设备信息，用于统计分析。您可以在设置中随时撤回同意。';
    expect(decide(consentNoticeDiscloses, idleWith(dialog({ text }))).status).toBe('pass');
  });

  it('consent.notice-discloses fails on a notice that says nothing of third parties or withdrawal, naming what is missing', () => {
    const result = decide(
      consentNoticeDiscloses,
      idleWith(dialog({ text: 'We value your privacy. We use cookies to improve our site.' })),
    );
    expect(result.status).toBe('fail');
    expect(result.summary).toBe(
      'the notice does not say the third parties or SDKs that receive the data, nor how to withdraw consent',
    );
  });

  it('consent.notice-discloses is inconclusive when the text was not recorded', () => {
    expect(decide(consentNoticeDiscloses, idleWith(dialog())).status).toBe('inconclusive');
  });
});

describe('sdk.disclosed-in-policy', () => {
  const policy = (overrides: Partial<PolicyOutcome> = {}): PolicyOutcome => ({
    reached: true,
    taps: 2,
    path: ['#menu', '#privacy'],
    method: 'manifest-path',
    explored: 1,
    url: 'https://app.example.test/privacy.html',
    text: 'Privacy policy. We use Vendor Analytics (collect.vendor.test) to count visits.',
    ...overrides,
  });
  const run = (outcome: PolicyOutcome, flows: FlowRecord[] = []) => [
    makeScenario('policy', [], [mark('launch', 0)], { policy: outcome }),
    makeScenario('accept', flows, acceptTimeline),
  ];
  const trackers = trackerLookupFrom(
    new Map([
      ['pixel.adnet.test', { name: 'AdNet Pixel', organization: 'AdNet Holdings', category: 'advertising', source: 'test' }],
    ]),
  );

  it('sdk.disclosed-in-policy passes when the policy names every declared SDK and observed tracker (by company name)', () => {
    const result = decide(
      sdkDisclosedInPolicy,
      run(policy({ text: 'We use VENDOR analytics and share data with AdNet Holdings.' }), [
        makeFlow('https://pixel.adnet.test/p', 6000),
      ]),
      manifest,
      trackers,
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('names all 2 SDK(s) and tracker(s)');
  });

  it('sdk.disclosed-in-policy fails on an observed tracker the policy does not name, citing the flow', () => {
    const pixel = makeFlow('https://pixel.adnet.test/p', 6000);
    const result = decide(sdkDisclosedInPolicy, run(policy(), [pixel]), manifest, trackers);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('the privacy policy does not name observed tracker AdNet Pixel (AdNet Holdings, test)');
    expect(result.evidence).toContainEqual(expect.objectContaining({ kind: 'flow', flowId: pixel.id }));
  });

  it('sdk.disclosed-in-policy fails on a declared SDK missing from the policy', () => {
    const result = decide(sdkDisclosedInPolicy, run(policy({ text: 'We collect nothing.' })));
    expect(result).toMatchObject({ status: 'fail', summary: 'the privacy policy does not name declared SDK Vendor Analytics' });
  });

  it('sdk.disclosed-in-policy is inconclusive when the policy was not reached or its text not recorded', () => {
    expect(decide(sdkDisclosedInPolicy, run(policy({ reached: false, text: undefined }))).status).toBe('inconclusive');
    expect(decide(sdkDisclosedInPolicy, run(policy({ text: undefined }))).summary).toBe(
      "the privacy policy's text was not recorded",
    );
  });
});
