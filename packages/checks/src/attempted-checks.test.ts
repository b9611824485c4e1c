import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '@conformance/analyzer';
import { describeAttempt } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { consentRefusalRespected } from './consent-refusal-respected.js';
import { runCheck } from './define.js';
import { transportTlsEverywhere } from './transport-tls-everywhere.js';

// Attempted flows are what the bundle reader makes of attempted.json: flows the browser stopped.
const manifest = makeManifest();
const acceptTimeline = [mark('launch', 0), mark('consent-accept', 5000)];
const mixedContent = describeAttempt({ blockedReason: 'mixed-content', errorText: 'net::ERR_FAILED' });
const attempted = (url: string, at: number) => makeFlow(url, at, { method: 'POST', tls: null, attempted: mixedContent });

describe('attempted requests count as sent', () => {
  it('transport.tls-everywhere fails on an attempted http:// request to a third party, with the note', () => {
    const flow = attempted('http://collect.vendor.test/v1/batch', 5500);
    const result = runCheck(
      transportTlsEverywhere,
      analyzeBundle({ manifest, scenarios: [makeScenario('idle', []), makeScenario('accept', [flow], acceptTimeline)] }),
    );
    expect(result.status).toBe('fail');
    expect(result.summary).toContain(
      "blocked by the browser's mixed-content rule; a WebView or native app that allows cleartext would send it",
    );
    expect(result.evidence).toEqual([expect.objectContaining({ flowId: flow.id, scheme: 'http', attempted: mixedContent.note })]);
  });

  it('consent.refusal-respected fails on an attempt after the refusal, as on a sent request', () => {
    const refuse = makeScenario(
      'refuse',
      [attempted('https://collect.vendor.test/v1/batch', 6000)],
      [mark('launch', 0), mark('consent-reject', 5000)],
    );
    const result = runCheck(consentRefusalRespected, analyzeBundle({ manifest, scenarios: [refuse] }));
    expect(result.status).toBe('fail');
    expect(result.evidence).toContainEqual(expect.objectContaining({ kind: 'flow', attempted: mixedContent.note }));
  });
});
