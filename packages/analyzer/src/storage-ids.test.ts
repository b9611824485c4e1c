import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScenarioEvidence } from '@conformance/core';
import { makeFlow, makeScenario } from '@conformance/testing';
import { createFlowAnalyzer } from './flow.js';
import { looksLikeStoredIdentifier, storageCanaries, storedIdentifierCategory, storedIdentifiers } from './storage-ids.js';

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
      {
        category: 'device-id.app-scoped',
        kind: 'localStorage:ph_key_posthog.distinct_id',
        value: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f',
      },
      {
        category: 'device-id.app-scoped',
        kind: 'localStorage:ph_key_posthog.$device_id',
        value: '018f2c1e-7b4a-7c3d-9e2f-000000000abc',
      },
      {
        category: 'device-id.app-scoped',
        kind: 'localStorage:ph_key_posthog.$sesid[1]',
        value: '018f2c1e-aaaa-7c3d-9e2f-5a6b7c8d9e0f',
      },
    ]);
  });

  it('finds ids in a form-encoded session cookie and in an `<id>|<timestamp>` cookie', () => {
    const storage = {
      cookies: [
        // Datadog's session cookie, and Application Insights' user cookie, as those SDKs write them.
        {
          name: '_dd_s',
          value: 'rum=2&id=7b1e4c0a-93f2-4d1e-8a6b-2f0c9d8e7a61&created=1717171717171&expire=1717172617171',
          domain: 'a',
          path: '/',
        },
        { name: 'ai_user', value: 'q7Xk2mP9vR4tYw8Zb3Nc1L|2026-01-01T10:00:00.000Z', domain: 'a', path: '/' },
      ],
      origins: [],
    };
    expect(storageCanaries([scenarioWith({ storage })])).toEqual([
      { category: 'device-id.app-scoped', kind: 'cookie:_dd_s.id', value: '7b1e4c0a-93f2-4d1e-8a6b-2f0c9d8e7a61' },
      { category: 'device-id.app-scoped', kind: 'cookie:ai_user[0]', value: 'q7Xk2mP9vR4tYw8Zb3Nc1L' },
    ]);
  });

  it('negative control: form-encoded and `|`-delimited values of timestamps, flags and words hold no id', () => {
    const storage = {
      cookies: [
        { name: 'prefs', value: 'rum=0&expired=1&created=1717171717171&lang=en-US', domain: 'a', path: '/' },
        { name: 'seen', value: 'home|2026-01-01T10:00:00.000Z|1717171717171', domain: 'a', path: '/' },
      ],
      origins: [],
    };
    expect(storageCanaries([scenarioWith({ storage })])).toEqual([]);
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
    for (const id of [
      '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f',
      '1c5f2056bec5b575b8275d8c07befe2e',
      'dev_4f9a8b7c6d5e4f3a2b1c',
      '1234567890123456789',
    ])
      expect(looksLikeStoredIdentifier(id), id).toBe(true);
    for (const value of [
      '1717171717171',
      '1.130.2',
      'v2.14.0-rc.1',
      '2026-01-01T10:00:00Z',
      'https://a.example/x',
      'cdn.example.test',
      'accepted-all-cookies',
      'true',
    ])
      expect(looksLikeStoredIdentifier(value), value).toBe(false);
  });

  it('stops peeling after the layer limit and never follows huge values', () => {
    let value = 'id_0123456789abcdef';
    for (let i = 0; i < 12; i++) value = encodeURIComponent(JSON.stringify({ v: value }));
    expect(storedIdentifiers('deep', value)).toEqual([]);
    expect(storedIdentifiers('big', 'x'.repeat(300_000))).toEqual([]);
  });
});

describe('identifiers hidden in random nesting (fast-check)', () => {
  type Layer = { kind: 'object'; key: string; noise: boolean } | { kind: 'json-string' | 'base64' | 'base64url' | 'url' };
  const key = fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_]{0,11}$/);
  const layer: fc.Arbitrary<Layer> = fc.oneof(
    fc.record({ kind: fc.constant('object' as const), key, noise: fc.boolean() }),
    fc.record({ kind: fc.constantFrom('json-string' as const, 'base64' as const, 'base64url' as const, 'url' as const) }),
  );
  const identifier = fc.oneof(
    fc.uuid(),
    fc.stringMatching(/^[0-9a-f]{20,40}$/).filter((id) => /\d/.test(id) && /[a-f]/.test(id)),
    fc
      .tuple(fc.stringMatching(/^[a-z]{2,6}$/), fc.stringMatching(/^[0-9A-Za-z]{16,24}$/))
      .map(([prefix, rest]) => `${prefix}_${rest}`)
      .filter((id) => /\d/.test(id)),
  );
  const noise = {
    ts: 1_717_171_717_171,
    on: true,
    v: '1.130.2',
    at: '2026-01-01T10:00:00.000Z',
    page: 'https://news.example.test/a/b?c=1',
  };

  /** Wraps the id, innermost layer first; returns the stored value and the path the id must be reported at. */
  function wrap(id: string, layers: Layer[]): { value: string; path: string[] } {
    let value: unknown = id;
    const path: string[] = [];
    for (const l of layers) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      switch (l.kind) {
        case 'object':
          value = l.noise ? { ...noise, [l.key]: value } : { [l.key]: value };
          path.unshift(l.key);
          break;
        case 'json-string':
          value = JSON.stringify(text);
          break;
        case 'base64':
          value = Buffer.from(text).toString('base64');
          break;
        case 'base64url':
          value = Buffer.from(text).toString('base64url');
          break;
        case 'url':
          value = encodeURIComponent(text);
          break;
      }
    }
    return { value: typeof value === 'string' ? value : JSON.stringify(value), path };
  }

  it('finds every id under up to 5 layers (JSON, JSON strings, base64, base64url, URL-encoding), named by its path', () => {
    fc.assert(
      fc.property(
        identifier,
        fc.array(layer, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('cookie', 'localStorage', 'sessionStorage'),
        (id, layers, store) => {
          const { value, path } = wrap(id, layers);
          const name = 'sdk_state';
          const storage =
            store === 'cookie'
              ? { cookies: [{ name, value, domain: 'a', path: '/' }], origins: [] }
              : {
                  cookies: [],
                  origins: [
                    {
                      origin: 'https://a',
                      localStorage: (store === 'localStorage' ? { [name]: value } : {}) as Record<string, string>,
                      sessionStorage: (store === 'sessionStorage' ? { [name]: value } : {}) as Record<string, string>,
                      indexedDB: [],
                    },
                  ],
                };
          const canaries = storageCanaries([scenarioWith({ storage })]);
          expect(canaries).toEqual([
            { category: storedIdentifierCategory(path.at(-1) ?? name), kind: [`${store}:${name}`, ...path].join('.'), value: id },
          ]);
        },
      ),
      { seed: 42, numRuns: 2_000 },
    );
  }, 60_000);

  it('finds nothing in look-alikes under the same nesting: timestamps, booleans, versions, dates, URLs, words, short values', () => {
    const lookAlike = fc.oneof(
      fc.integer({ min: 1_000_000_000, max: 1_999_999_999_999 }).map(String),
      fc.constantFrom('true', 'false', 'null', 'accepted', 'dark-mode-preferred', 'en-US'),
      fc.tuple(fc.nat(40), fc.nat(300), fc.nat(300)).map(([a, b, c]) => `${a}.${b}.${c}`),
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString()),
      fc.webUrl({ withQueryParameters: true }),
      fc.stringMatching(/^[a-z0-9]{1,14}$/),
      fc.stringMatching(/^[a-z]{15,40}$/),
    );
    fc.assert(
      fc.property(lookAlike, fc.array(layer, { minLength: 1, maxLength: 5 }), (value, layers) => {
        expect(storedIdentifiers('k', wrap(value, layers).value)).toEqual([]);
      }),
      { seed: 44, numRuns: 3_000 },
    );
  }, 60_000);

  it('the id found in storage is then found in a payload that carries it', () => {
    fc.assert(
      fc.property(identifier, fc.array(layer, { minLength: 1, maxLength: 5 }), (id, layers) => {
        const { value } = wrap(id, layers);
        const canaries = storageCanaries([
          scenarioWith({ storage: { cookies: [{ name: 'c', value, domain: 'a', path: '/' }], origins: [] } }),
        ]);
        const flow = makeFlow(
          `https://t.tracker.test/e?d=${encodeURIComponent(Buffer.from(JSON.stringify({ uid: id })).toString('base64'))}`,
          10,
        );
        const findings = createFlowAnalyzer({ canaries })(flow, {
          scenario: 'accept',
          phase: 'after-accept',
          destination: { kind: 'third-party' },
        }).findings;
        expect(findings.map((finding) => [finding.path, finding.detector])).toContainEqual([
          'query.d|base64|json.uid',
          `canary:${canaries[0]!.kind}`,
        ]);
      }),
      { seed: 43, numRuns: 300 },
    );
  }, 60_000);
});
