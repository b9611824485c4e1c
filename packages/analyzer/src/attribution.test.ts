import { describe, expect, it } from 'vitest';
import { makeFlow, makeManifest, makeScenario, T0 } from '@conformance/testing';
import { analyzeBundle } from './analyze.js';

describe('flow attribution', () => {
  it('names the script that started each request, matching method, URL and time, each log entry once', () => {
    const first = makeFlow('https://collect.vendor.test/b', 1000, { method: 'POST' });
    const second = makeFlow('https://collect.vendor.test/b', 9000, { method: 'POST' });
    const initiators = [
      {
        url: 'https://collect.vendor.test/b',
        method: 'POST',
        at: T0 + 990,
        type: 'script',
        script: 'https://app.example.test/sdk.js',
      },
      {
        url: 'https://collect.vendor.test/b',
        method: 'POST',
        at: T0 + 8990,
        type: 'script',
        script: 'https://app.example.test/other.js',
      },
    ];
    const analysis = analyzeBundle({
      manifest: makeManifest(),
      scenarios: [makeScenario('accept', [first, second], undefined, { initiators })],
    });
    const byId = new Map(analysis.scenarios[0]!.flows.map((f) => [f.flow.id, f.initiator?.script]));
    expect(byId.get(first.id)).toBe('https://app.example.test/sdk.js');
    expect(byId.get(second.id)).toBe('https://app.example.test/other.js');
  });

  it('leaves a flow unattributed when no log entry is close enough or the method differs', () => {
    const flow = makeFlow('https://collect.vendor.test/b', 1000, { method: 'POST' });
    const initiators = [
      { url: 'https://collect.vendor.test/b', method: 'GET', at: T0 + 1000, type: 'script', script: 'https://a.test/x.js' },
      { url: 'https://collect.vendor.test/b', method: 'POST', at: T0 + 60_000, type: 'script', script: 'https://a.test/y.js' },
    ];
    const analysis = analyzeBundle({
      manifest: makeManifest(),
      scenarios: [makeScenario('accept', [flow], undefined, { initiators })],
    });
    expect(analysis.scenarios[0]!.flows.find((f) => f.flow.id === flow.id)?.initiator).toBeUndefined();
  });
});

describe('baseline hosts', () => {
  it('sets aside as platform the hosts the platform contacted with no app, and nothing else', () => {
    const noise = makeFlow('https://telemetry.browser.test/ping', 100);
    const tracker = makeFlow('https://tracker.example.org/p', 200);
    const analysis = analyzeBundle({
      manifest: makeManifest(),
      scenarios: [makeScenario('idle', [noise, tracker])],
      baselineHosts: ['telemetry.browser.test'],
    });
    const kinds = new Map(analysis.scenarios[0]!.flows.map((f) => [f.flow.host, f.destination.kind]));
    expect(kinds.get('telemetry.browser.test')).toBe('platform');
    expect(kinds.get('tracker.example.org')).toBe('third-party');
    expect(analysis.platformNoise.hosts).toEqual(['telemetry.browser.test']);
  });
});
