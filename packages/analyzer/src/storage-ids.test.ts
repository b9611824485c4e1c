import { describe, expect, it } from 'vitest';
import { makeScenario } from '@conformance/testing';
import { storageCanaries } from './bundle-extras.js';

describe('storageCanaries', () => {
  it('turns identifier-looking cookies and web-storage values into resettable-device-id canaries, once each', () => {
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
    expect(storageCanaries([makeScenario('accept', [], undefined, { storage })])).toEqual([
      { category: 'device-id.resettable', kind: 'cookie:uid', value: 'a1b2c3d4e5f6a7b8c9d0' },
      { category: 'device-id.resettable', kind: 'localStorage:va_device_id', value: '1c5f2056bec5b575b8275d8c07befe2e' },
      { category: 'device-id.resettable', kind: 'indexedDB:sdk/ids.installId', value: 'inst-7f3a9c2e11d04b6b' },
    ]);
  });

  it('leaves ordinary stored values alone: choices, short values, words, JSON', () => {
    const storage = {
      cookies: [{ name: 'lang', value: 'en-US', domain: 'a', path: '/' }],
      origins: [
        {
          origin: 'https://app.example.test',
          localStorage: {
            'news:consent': 'accepted',
            theme: 'dark-mode-preferred',
            prefs: '{"a":1,"b":22222222222}',
            n: '12345',
          },
          sessionStorage: {},
          indexedDB: [],
        },
      ],
    };
    expect(storageCanaries([makeScenario('accept', [], undefined, { storage })])).toEqual([]);
  });
});
