import { describe, expect, it } from 'vitest';
import type { Analysis } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { mixedCanaries, mixedCorpus } from '../test/mixed-corpus.js';
import { analyzeBundle } from './analyze.js';
import { classifyDestination } from './destination.js';
import { ghosteryTrackers, permissiveTrackers, trackerDatabases } from './trackers.js';

describe('tracker databases', () => {
  it('the default names hosts from permissively licensed data only; Ghostery is opt-in', () => {
    const manifest = makeManifest();
    expect(classifyDestination('www.google-analytics.com', manifest).tracker?.source).toMatch(/^trackhar@/);
    expect(classifyDestination('log.sensorsdata.cn', manifest).tracker?.source).toBe('@conformance/analyzer sdk-adapters');
    // PostHog is only in the Ghostery database.
    expect(classifyDestination('eu.i.posthog.com', manifest).tracker).toBeUndefined();
    expect(classifyDestination('eu.i.posthog.com', manifest, ghosteryTrackers()).tracker?.source).toMatch(
      /^@ghostery\/trackerdb@/,
    );
    expect(trackerDatabases.ghostery.licence).toBe('CC-BY-NC-SA-4.0');
    expect(permissiveTrackers()('collect.vendor.test')).toBeUndefined();
  });

  it('no verdict input differs between the default lookup and Ghostery: only destination.tracker does', () => {
    const extraHosts = [
      'www.google-analytics.com',
      'eu.i.posthog.com',
      'stats.g.doubleclick.net',
      'app.adjust.com',
      'cdn.segment.com',
    ];
    const corpus = mixedCorpus(400);
    const flows = corpus.map(({ flow }, index) => {
      const host = index % 5 === 0 ? extraHosts[(index / 5) % extraHosts.length]! : flow.host;
      return {
        ...flow,
        host,
        url: flow.url.replace(flow.host, host),
        startedAt: makeFlow('https://x.test/', 100 + index).startedAt,
      };
    });
    const bundle = {
      manifest: makeManifest({ sdks: [{ name: 'Umeng', hosts: ['umeng.com'] }] }),
      scenarios: [
        makeScenario('refuse', flows.slice(0, 200), [mark('launch', 0), mark('consent-reject', 50)]),
        makeScenario('accept', flows.slice(200)),
      ],
      canaries: mixedCanaries,
    };
    const byDefault = analyzeBundle(bundle, { trackers: 'default' });
    const byGhostery = analyzeBundle(bundle, { trackers: 'ghostery' });
    const verdictInputs = (analysis: Analysis) =>
      analysis.scenarios.map((scenario) => ({
        captureLive: scenario.captureLive,
        flows: scenario.flows.map((flow) => ({
          phase: flow.phase,
          kind: flow.destination.kind,
          sdk: flow.destination.sdk,
          necessary: flow.destination.necessary,
          findings: flow.findings.map(({ destination: { tracker: _tracker, ...destination }, ...finding }) => ({
            ...finding,
            destination,
          })),
          protection: flow.protection,
        })),
      }));
    expect(verdictInputs(byGhostery)).toEqual(verdictInputs(byDefault));
    expect(byDefault.findings.length).toBeGreaterThan(100);
    // The naming does differ, so the comparison above is not vacuous.
    const names = (analysis: Analysis) =>
      analysis.scenarios.flatMap((s) => s.flows.map((f) => f.destination.tracker?.source ?? '-'));
    expect(names(byGhostery)).not.toEqual(names(byDefault));
  }, 60_000);
});
