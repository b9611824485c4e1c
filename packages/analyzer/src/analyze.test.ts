import { describe, expect, it } from 'vitest';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { analyzeBundle } from './analyze.js';
import { classifyDestination } from './destination.js';

const manifest = makeManifest({
  firstParty: ['app.example.test'],
  sdks: [
    { name: 'Vendor Analytics', hosts: ['collect.vendor.test'] },
    { name: 'CDN', hosts: ['cdn.example.net'], necessary: true, reason: 'serves scripts' },
  ],
});

describe('classifyDestination', () => {
  it('tells first party, declared SDK, platform noise and unknown third party apart', () => {
    expect(classifyDestination('api.app.example.test', manifest)).toEqual({ kind: 'first-party' });
    expect(classifyDestination('collect.vendor.test', manifest)).toEqual({
      kind: 'declared-sdk',
      sdk: 'Vendor Analytics',
      necessary: false,
    });
    expect(classifyDestination('cdn.example.net', manifest)).toMatchObject({ kind: 'declared-sdk', necessary: true });
    expect(classifyDestination('update.googleapis.com', manifest)).toEqual({ kind: 'platform' });
    expect(classifyDestination('tracker.example.org', manifest)).toEqual({ kind: 'third-party' });
  });
});

describe('analyzeBundle', () => {
  it('tags each flow with its phase, destination and time since launch, in time order', () => {
    const scenario = makeScenario(
      'accept',
      [
        makeFlow('https://collect.vendor.test/b', 6000),
        makeFlow('https://tracker.example.org/p', 500),
        makeFlow('https://update.googleapis.com/u', 20),
      ],
      [mark('launch', 0), mark('consent-accept', 5000)],
    );
    const analysis = analyzeBundle({ manifest, scenarios: [scenario] });
    const flows = analysis.scenarios[0]!.flows.map((f) => [f.flow.host, f.phase, f.destination.kind, f.sinceLaunchMs]);
    expect(flows).toEqual([
      ['app.example.test', 'before-choice', 'first-party', 10],
      ['update.googleapis.com', 'before-choice', 'platform', 20],
      ['tracker.example.org', 'before-choice', 'third-party', 500],
      ['collect.vendor.test', 'after-accept', 'declared-sdk', 6000],
    ]);
    expect(analysis.platformNoise).toEqual({ hosts: ['update.googleapis.com'], flows: 1 });
  });

  it('calls a capture live only when the proxy was ready and saw the entry page', () => {
    const live = makeScenario('idle', []);
    const notReady = makeScenario('idle', [], undefined, { capture: { ...live.capture, ready: false } });
    const noEntry = makeScenario('idle', [], undefined, { flows: [makeFlow('https://app.example.test/other.html', 5)] });
    const [a, b, c] = analyzeBundle({ manifest, scenarios: [live, notReady, noEntry] }).scenarios;
    expect([a!.captureLive, b!.captureLive, c!.captureLive]).toEqual([true, false, false]);
  });
});
