import { describe, expect, it } from 'vitest';
import type { ScenarioEvidence } from '@conformance/core';
import { makeScenario } from '@conformance/testing';
import { looksLikeStoredIdentifier, storageCanaries, storedIdentifiers } from './storage-ids.js';

const scenarioWith = (overrides: Partial<ScenarioEvidence>) => makeScenario('accept', [], undefined, overrides);

describe('storageCanaries', () => {
  it('turns identifier-looking cookies and web-storage values into app-scoped id canaries, once each', () => {
    const storage = {
      cookies: [{ name: 'uid', value: 'a1b2c3d4e5f6a7b8c9d0', domain: 'app.example.test', path: '/' }],
      origins: [
        {
          origin: 'https://app.example.test',
          localStorage: { va_device_id: '1c5f2056bec5b575b8275d8c07befe2e', again: 'a1b2c3d4e5f6a7b8c9d0' },
          sessionStorage: {},
          indexedDB: [{ database: 'sdk', store: 'ids', entries: 1, sample: ['{"installId":"inst-7f3a9c2e11d04b6b","n":3}'] }],
        },
      ],
    };
    expect(storageCanaries([scenarioWith({ storage })])).toEqual([
      { category: 'account-id', kind: 'cookie:uid', value: 'a1b2c3d4e5f6a7b8c9d0' },
      { category: 'device-id.app-scoped', kind: 'localStorage:va_device_id', value: '1c5f2056bec5b575b8275d8c07befe2e' },
      { category: 'device-id.app-scoped', kind: 'indexedDB:sdk/ids.installId', value: 'inst-7f3a9c2e11d04b6b' },
    ]);
  });

  it('finds ids inside a JSON persistence blob, a URL-encoded JSON cookie and a base64 JSON cookie, named by their path', () => {
    const blob = JSON.stringify({
      distinct_id: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f',
      $device_id: '018f2c1e-7b4a-7c3d-9e2f-000000000abc',
      $sesid: [1717171717171, '018f2c1e-aaaa-7c3d-9e2f-5a6b7c8d9e0f', 1717171717000],
      $user_state: 'anonymous',
      props: { $initial_referrer: 'https://news.example.test/a', $lib_version: '1.130.2' },
    });
    const cookieJson = encodeURIComponent(JSON.stringify({ deviceId: 'dev_4f9a8b7c6d5e4f3a2b1c', optOut: false }));
    const cookieB64 = Buffer.from(JSON.stringify({ user_id: 'usr_92837465019283', t: 1717171717 })).toString('base64');
    const storage = {
      cookies: [
        { name: 'amp_abc', value: cookieJson, domain: 'a', path: '/' },
        { name: 'sdk_u', value: cookieB64, domain: 'a', path: '/' },
      ],
      origins: [{ origin: 'https://a', localStorage: { ph_key_posthog: blob }, sessionStorage: {}, indexedDB: [] }],
    };
    expect(storageCanaries([scenarioWith({ storage })])).toEqual([
      { category: 'device-id.app-scoped', kind: 'cookie:amp_abc.deviceId', value: 'dev_4f9a8b7c6d5e4f3a2b1c' },
      { category: 'account-id', kind: 'cookie:sdk_u.user_id', value: 'usr_92837465019283' },
      { category: 'device-id.app-scoped', kind: 'localStorage:ph_key_posthog.distinct_id', value: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f' },
      { category: 'device-id.app-scoped', kind: 'localStorage:ph_key_posthog.$device_id', value: '018f2c1e-7b4a-7c3d-9e2f-000000000abc' },
      { category: 'device-id.app-scoped', kind: 'localStorage:ph_key_posthog.$sesid[1]', value: '018f2c1e-aaaa-7c3d-9e2f-5a6b7c8d9e0f' },
    ]);
  });

  it('leaves ordinary stored values alone: choices, short values, words, timestamps, URLs, versions, JSON of those', () => {
    const storage = {
      cookies: [{ name: 'lang', value: 'en-US', domain: 'a', path: '/' }],
      origins: [
        {
          origin: 'https://app.example.test',
          localStorage: {
            'news:consent': 'accepted',
            theme: 'dark-mode-preferred',
            prefs: '{"a":1,"b":22222222222,"on":true,"at":"2026-01-01T10:00:00.000Z"}',
            n: '12345',
            seen: '1717171717171',
            page: 'https://news.example.test/articles/2026/01/01/headline?ref=home',
            ver: '1.130.2-beta.4',
            nested: encodeURIComponent(JSON.stringify({ v: '3.2.1', ts: 1717171717171, ok: true })),
          },
          sessionStorage: {},
          indexedDB: [],
        },
      ],
    };
    expect(storageCanaries([scenarioWith({ storage })])).toEqual([]);
  });
});

describe('looksLikeStoredIdentifier', () => {
  it('accepts UUIDs, hex and prefixed ids; rejects timestamps, versions, dates, URLs, hosts and words', () => {
    for (const id of ['018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f', '1c5f2056bec5b575b8275d8c07befe2e', 'dev_4f9a8b7c6d5e4f3a2b1c', '1234567890123456789'])
      expect(looksLikeStoredIdentifier(id), id).toBe(true);
    for (const value of ['1717171717171', '1.130.2', 'v2.14.0-rc.1', '2026-01-01T10:00:00Z', 'https://a.example/x', 'cdn.example.test', 'accepted-all-cookies', 'true'])
      expect(looksLikeStoredIdentifier(value), value).toBe(false);
  });

  it('stops peeling after the layer limit and never follows huge values', () => {
    let value = 'id_0123456789abcdef';
    for (let i = 0; i < 12; i++) value = encodeURIComponent(JSON.stringify({ v: value }));
    expect(storedIdentifiers('deep', value)).toEqual([]);
    expect(storedIdentifiers('big', 'x'.repeat(300_000))).toEqual([]);
  });
});
