import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '@conformance/analyzer';
import type { ScenarioEvidence, ScenarioName } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
import { runCheck } from './define.js';
import { transportTlsEverywhere } from './transport-tls-everywhere.js';

const manifest = makeManifest();
const acceptTimeline = [mark('launch', 0), mark('consent-accept', 5000)];

function decide(check: typeof consentNoThirdPartyBeforeChoice, scenarios: ScenarioEvidence[]) {
  return runCheck(check, analyzeBundle({ manifest, scenarios }));
}

describe('consent.no-third-party-before-choice', () => {
  it('consent.no-third-party-before-choice fails on an SDK request before the choice, citing the flow', () => {
    const early = makeFlow('https://collect.vendor.test/v1/batch', 800, { method: 'POST' });
    const result = decide(consentNoThirdPartyBeforeChoice, [
      makeScenario('idle', [early]),
      makeScenario('accept', [], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.evidence).toEqual([
      expect.objectContaining({
        kind: 'flow',
        scenario: 'idle',
        flowId: early.id,
        method: 'POST',
        url: 'https://collect.vendor.test/v1/batch',
        phase: 'before-choice',
        sinceLaunchMs: 800,
        destination: 'declared-sdk (Vendor Analytics)',
      }),
    ]);
  });

  it('consent.no-third-party-before-choice passes when third parties are contacted only after accepting', () => {
    const later = makeFlow('https://collect.vendor.test/v1/batch', 5200);
    const result = decide(consentNoThirdPartyBeforeChoice, [
      makeScenario('idle', []),
      makeScenario('accept', [later], acceptTimeline),
    ]);
    expect(result).toMatchObject({ status: 'pass', evidence: [] });
  });

  it('consent.no-third-party-before-choice sets platform noise aside', () => {
    const noise = makeFlow('https://update.googleapis.com/service/update2', 100);
    const result = decide(consentNoThirdPartyBeforeChoice, [
      makeScenario('idle', [noise]),
      makeScenario('accept', [], acceptTimeline),
    ]);
    expect(result.status).toBe('pass');
  });

  it('consent.no-third-party-before-choice is inconclusive, never pass, when a scenario errored', () => {
    const errored = makeScenario('idle', [], undefined, {
      status: 'error',
      error: { code: 'CONF_PROXY_CRASHED', message: 'mitmdump died' },
    });
    const result = decide(consentNoThirdPartyBeforeChoice, [errored, makeScenario('accept', [], acceptTimeline)]);
    expect(result.status).toBe('inconclusive');
    expect(result.summary).toContain('idle: error');
    expect(result.evidence[0]).toMatchObject({ kind: 'scenario', scenario: 'idle', detail: 'CONF_PROXY_CRASHED: mitmdump died' });
  });

  it('consent.no-third-party-before-choice is inconclusive when the capture was blind or a scenario was not run', () => {
    const blind = makeScenario('idle', [], undefined, { flows: [] });
    expect(decide(consentNoThirdPartyBeforeChoice, [blind, makeScenario('accept', [], acceptTimeline)]).status).toBe(
      'inconclusive',
    );
    expect(decide(consentNoThirdPartyBeforeChoice, [makeScenario('idle', [])]).status).toBe('inconclusive');
  });

  it('is not-run, not inconclusive, when the run did not request a scenario it needs', () => {
    const requested = (names: ScenarioName[], scenarios: ScenarioEvidence[]) =>
      runCheck(consentNoThirdPartyBeforeChoice, analyzeBundle({ manifest, scenarios, requestedScenarios: names }));
    const notRun = requested(['idle'], [makeScenario('idle', [])]);
    expect(notRun.status).toBe('not-run');
    expect(notRun.summary).toContain('it needs accept, not requested for this run');
    expect(notRun.evidence[0]).toMatchObject({ kind: 'scenario', scenario: 'accept', status: 'not-run' });
    // An observed failure stands.
    const early = makeFlow('https://collect.vendor.test/v1/batch', 800);
    expect(requested(['idle'], [makeScenario('idle', [early])]).status).toBe('fail');
    // A requested scenario that errored, or left no evidence (the run stopped), keeps it inconclusive.
    const errored = makeScenario('idle', [], undefined, { status: 'error', error: { code: 'X', message: 'y' } });
    expect(requested(['idle'], [errored]).status).toBe('inconclusive');
    const missing = requested(['idle', 'accept'], [makeScenario('idle', [])]);
    expect(missing.status).toBe('inconclusive');
    expect(missing.evidence[0]).toMatchObject({ kind: 'scenario', scenario: 'accept', status: 'missing' });
  });

  it('says so when a body in its scenarios was cut at the evidence cap, and is quiet otherwise', () => {
    const body = { size: 4, sha256: 'a'.repeat(64), encoding: 'utf8' as const, data: '{"a"' };
    const cut = makeFlow('https://news.example.test/upload', 5200, {
      method: 'POST',
      body: { ...body, truncated: { size: 90_000_000, sha256: 'b'.repeat(64) } },
    });
    const result = decide(consentNoThirdPartyBeforeChoice, [
      makeScenario('idle', []),
      makeScenario('accept', [cut], acceptTimeline),
    ]);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 body/bodies cut at the evidence cap');
    expect(result.evidence).toContainEqual({
      kind: 'note',
      detail: expect.stringContaining(`stored cut at 4 of 90000000 bytes (full body sha256 ${'b'.repeat(64)})`),
    });
    const whole = makeFlow('https://news.example.test/upload', 5200, { method: 'POST', body });
    const quiet = decide(consentNoThirdPartyBeforeChoice, [
      makeScenario('idle', []),
      makeScenario('accept', [whole], acceptTimeline),
    ]);
    expect(quiet.summary).not.toContain('evidence cap');
    expect(quiet.evidence).toEqual([]);
  });

  it('consent.no-third-party-before-choice still fails on what an errored scenario did observe', () => {
    const early = makeFlow('https://tracker.example.org/p', 300);
    const errored = makeScenario('idle', [early], undefined, { status: 'error', error: { code: 'X', message: 'y' } });
    expect(decide(consentNoThirdPartyBeforeChoice, [errored]).status).toBe('fail');
  });
});

describe('transport.tls-everywhere', () => {
  it('transport.tls-everywhere fails on a cleartext request to a third party', () => {
    const cleartext = makeFlow('http://collect.vendor.test/v1/batch', 5500);
    const result = decide(transportTlsEverywhere, [
      makeScenario('idle', []),
      makeScenario('accept', [cleartext], acceptTimeline),
    ]);
    expect(result.status).toBe('fail');
    expect(result.evidence).toEqual([expect.objectContaining({ flowId: cleartext.id, scheme: 'http', phase: 'after-accept' })]);
  });

  it('transport.tls-everywhere passes when every third-party request used TLS', () => {
    const secure = makeFlow('https://collect.vendor.test/v1/batch', 5500);
    expect(
      decide(transportTlsEverywhere, [makeScenario('idle', []), makeScenario('accept', [secure], acceptTimeline)]).status,
    ).toBe('pass');
  });

  it('transport.tls-everywhere does not count the first party or platform noise', () => {
    const flows = [makeFlow('http://app.example.test/api', 100), makeFlow('http://clients2.google.com/time', 50)];
    const result = decide(transportTlsEverywhere, [makeScenario('idle', flows), makeScenario('accept', [], acceptTimeline)]);
    expect(result.status).toBe('not-applicable');
  });
});
