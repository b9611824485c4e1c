import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '@conformance/analyzer';
import type { FlowRecord, ScenarioEvidence } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { collectionNoTimerDrivenBeacons } from './collection-no-timer-driven-beacons.js';
import { consentNoIdentifierBeforeChoice } from './consent-no-identifier-before-choice.js';
import { runCheck, type CheckDefinition } from './define.js';
import { optionalAppListOffByDefault } from './optional-app-list-off-by-default.js';
import { optionalHardwareIdsOffByDefault } from './optional-hardware-ids-off-by-default.js';
import { optionalLocationOffByDefault } from './optional-location-off-by-default.js';
import { payloadEncrypted } from './payload-encrypted.js';
import { payloadNoCleartextPersonalData } from './payload-no-cleartext-personal-data.js';
import { personalDataFindings } from './personal-data.js';
import { allChecks } from './registry.js';

const manifest = makeManifest();
const acceptTimeline = [mark('launch', 0), mark('consent-accept', 5000)];

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

function decide(check: CheckDefinition, scenarios: ScenarioEvidence[], bundleManifest = manifest) {
  return runCheck(check, analyzeBundle({ manifest: bundleManifest, scenarios }));
}

describe('registry', () => {
  it('registers every new check once', () => {
    const ids = allChecks.map((check) => check.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'consent.no-identifier-before-choice',
        'optional.location-off-by-default',
        'optional.hardware-ids-off-by-default',
        'optional.app-list-off-by-default',
        'payload.no-cleartext-personal-data',
        'payload.encrypted',
        'collection.no-timer-driven-beacons',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('consent.no-identifier-before-choice', () => {
  it('consent.no-identifier-before-choice fails on an advertising id sent before the choice, citing where', () => {
    const early = makeFlow('https://collect.vendor.test/i?gaid=38400000-8cf0-11bd-b23e-10b96e40000d', 800);
    const result = decide(consentNoIdentifierBeforeChoice, [
      makeScenario('idle', [early]),
      makeScenario('accept', [], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('device-id.resettable');
    expect(result.evidence).toEqual([
      expect.objectContaining({ kind: 'flow', flowId: early.id, phase: 'before-choice' }),
      expect.objectContaining({ kind: 'note', detail: expect.stringContaining('query.gaid') }),
    ]);
  });

  it('consent.no-identifier-before-choice passes when requests before the choice carry no personal data', () => {
    const early = makeFlow('https://collect.vendor.test/ping?v=1.2.0&ts=1800000000000', 800);
    const later = makeFlow('https://collect.vendor.test/i?gaid=38400000-8cf0-11bd-b23e-10b96e40000d', 6000);
    const result = decide(consentNoIdentifierBeforeChoice, [
      makeScenario('idle', [early]),
      makeScenario('accept', [later], acceptTimeline),
    ]);
    expect(result.status).toBe('pass');
  });
});

describe('optional.*-off-by-default', () => {
  const cases: Array<[CheckDefinition, object]> = [
    [optionalLocationOffByDefault, { lat: 31.230416, lng: 121.473701 }],
    [optionalHardwareIdsOffByDefault, { imei: '490154203237518' }],
    [optionalAppListOffByDefault, { applist: ['com.tencent.mm', 'com.eg.android.AlipayGphone', 'com.ss.android.ugc.aweme'] }],
  ];
  for (const [check, payload] of cases) {
    it(`${check.id} fails when an SDK sends it after accepting with the default configuration`, () => {
      const flow = post('https://collect.vendor.test/v1/batch', 6000, { events: [{ name: 'open' }], device: payload });
      const result = decide(check, [makeScenario('accept', [flow], acceptTimeline)]);
      expect(result.status).toBe('fail');
      expect(result.evidence[0]).toMatchObject({ kind: 'flow', flowId: flow.id });
    });

    it(`${check.id} passes when the SDK sends only fundamental data`, () => {
      const flow = post('https://collect.vendor.test/v1/batch', 6000, {
        events: [{ name: 'open' }],
        device: { oaid: 'a1b2c3d4e5f60718', os: 'android' },
      });
      const result = decide(check, [makeScenario('accept', [flow], acceptTimeline)]);
      expect(result.status).toBe('pass');
    });
  }

  it('optional.location-off-by-default is not applicable, never pass, when no third party was contacted', () => {
    expect(decide(optionalLocationOffByDefault, [makeScenario('accept', [], acceptTimeline)]).status).toBe('not-applicable');
  });
});

describe('payload.no-cleartext-personal-data', () => {
  it('payload.no-cleartext-personal-data fails on a base64-encoded phone number over http', () => {
    const body = Buffer.from(JSON.stringify({ user: { phone: '13812345678' } })).toString('base64');
    const flow = post('http://collect.vendor.test/v1/batch', 6000, body);
    const result = decide(payloadNoCleartextPersonalData, [
      makeScenario('idle', []),
      makeScenario('accept', [flow], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.evidence[1]).toMatchObject({ kind: 'note', detail: expect.stringContaining('payload encoded') });
  });

  it('payload.no-cleartext-personal-data passes when personal data travels only over TLS', () => {
    const flow = post('https://collect.vendor.test/v1/batch', 6000, { user: { phone: '13812345678' } });
    const result = decide(payloadNoCleartextPersonalData, [
      makeScenario('idle', []),
      makeScenario('accept', [flow], acceptTimeline),
    ]);
    expect(result).toMatchObject({
      status: 'pass',
      summary: expect.stringContaining('all 1 request(s) carrying personal data used TLS'),
    });
  });
});

describe('payload.encrypted', () => {
  const encrypting = makeManifest({
    sdks: [{ name: 'Vendor Analytics', hosts: ['collect.vendor.test'], encryption: 'required' }],
  });
  const key = createHash('sha256').update('k').digest();
  const cipher = createCipheriv('aes-256-gcm', key, key.subarray(0, 12));
  const ciphertext = Buffer.concat([
    cipher.update(JSON.stringify({ events: Array.from({ length: 30 }, (_, i) => ({ i, n: 'open' })) })),
    cipher.final(),
  ]);

  it('payload.encrypted fails when an SDK that promises encryption sends base64 JSON', () => {
    const flow = post(
      'https://collect.vendor.test/v1/batch',
      6000,
      Buffer.from(JSON.stringify({ event: 'open' })).toString('base64'),
    );
    const result = decide(
      payloadEncrypted,
      [makeScenario('idle', []), makeScenario('accept', [flow], acceptTimeline)],
      encrypting,
    );
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('encoded');
  });

  it('payload.encrypted passes when every payload to that SDK is ciphertext-like', () => {
    const flow = post('https://collect.vendor.test/v1/batch', 6000, ciphertext);
    const result = decide(
      payloadEncrypted,
      [makeScenario('idle', []), makeScenario('accept', [flow], acceptTimeline)],
      encrypting,
    );
    expect(result.status).toBe('pass');
  });

  it('payload.encrypted is not applicable when no SDK declares encryption: required', () => {
    const flow = post('https://collect.vendor.test/v1/batch', 6000, { event: 'open' });
    expect(decide(payloadEncrypted, [makeScenario('idle', []), makeScenario('accept', [flow], acceptTimeline)]).status).toBe(
      'not-applicable',
    );
  });

  it('payload.encrypted is inconclusive on a payload that is neither readable nor ciphertext-like', () => {
    const flow = post('https://collect.vendor.test/v1/batch', 6000, Buffer.alloc(300, 1));
    const result = decide(
      payloadEncrypted,
      [makeScenario('idle', []), makeScenario('accept', [flow], acceptTimeline)],
      encrypting,
    );
    expect(result.status).toBe('inconclusive');
  });
});

describe('collection.no-timer-driven-beacons', () => {
  const timeline = [mark('launch', 0), mark('consent-accept', 5000), mark('tap', 8000), mark('observe', 9000)];
  const ended = { endedAt: 1_800_000_000_000 + 60_000 };

  it('collection.no-timer-driven-beacons fails on a third-party request repeating every 10 s with no interaction', () => {
    const beats = [20_000, 30_000, 40_000, 50_000].map((at) => makeFlow('https://tracker.example.org/hb?t=1', at));
    const result = decide(collectionNoTimerDrivenBeacons, [makeScenario('accept', beats, timeline, ended)]);
    expect(result.status).toBe('fail');
    expect(result.summary).toMatch(/tracker\.example\.org\/hb repeated 4× every ~10 s/);
    expect(result.evidence).toHaveLength(4);
  });

  it('collection.no-timer-driven-beacons passes when requests follow interactions or come at irregular times', () => {
    const flows = [5200, 8300, 21_000, 24_000, 44_000].map((at) => makeFlow('https://tracker.example.org/e', at));
    const result = decide(collectionNoTimerDrivenBeacons, [makeScenario('accept', flows, timeline, ended)]);
    expect(result.status).toBe('pass');
  });

  it('collection.no-timer-driven-beacons is inconclusive when there was no quiet time to watch', () => {
    const short = { endedAt: 1_800_000_000_000 + 9500 };
    expect(decide(collectionNoTimerDrivenBeacons, [makeScenario('accept', [], timeline, short)]).status).toBe('inconclusive');
  });
});

describe('personalDataFindings', () => {
  it('lists the personal-data findings of the given flows, leaving platform noise out', () => {
    const flows = [
      makeFlow('https://collect.vendor.test/u?email=li.na@example.cn', 7000),
      makeFlow('https://update.googleapis.com/x?email=li.na@example.cn', 7100),
    ];
    const analysis = analyzeBundle({ manifest, scenarios: [makeScenario('accept', flows, acceptTimeline)] });
    const found = personalDataFindings(analysis.scenarios[0]!.flows.filter((f) => f.phase === 'after-accept'));
    expect(found.map((item) => [item.flow.flow.host, item.findings.map((f) => f.category)])).toEqual([
      ['collect.vendor.test', ['contact.email']],
    ]);
  });
});
