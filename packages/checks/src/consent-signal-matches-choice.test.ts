import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '@conformance/analyzer';
import type { ScenarioEvidence } from '@conformance/core';
import { makeManifest, makeScenario, mark, T0 } from '@conformance/testing';
import { consentSignalMatchesChoice } from './consent-signal-matches-choice.js';
import { runCheck } from './define.js';
import { allChecks } from './registry.js';

const decide = (scenarios: ScenarioEvidence[]) =>
  runCheck(consentSignalMatchesChoice, analyzeBundle({ manifest: makeManifest(), scenarios }));
const timeline = [mark('launch', 0), mark('consent-reject', 1000, { selector: '#reject' })];
const reading = (purposeConsents: number[], vendorConsents: number[]) => ({
  after: 'consent-reject' as const,
  at: T0 + 1100,
  tcString: 'CQ-fixture',
  purposeConsents,
  purposeLegitimateInterests: [],
  vendorConsents,
  vendorLegitimateInterests: [],
});

describe('consent.signal-matches-choice', () => {
  it('consent.signal-matches-choice fails when the TC string after a refusal grants purposes or vendors', () => {
    const result = decide([makeScenario('refuse', [], timeline, { tcf: [reading([1, 3], [755])] })]);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe(
      'after the user refused, the TC string still grants consent to purposes 1, 3 and consent for vendors 755',
    );
    expect(result.evidence).toContainEqual(
      expect.objectContaining({ kind: 'timeline', action: 'consent-reject', selector: '#reject' }),
    );
    expect(decide([makeScenario('refuse', [], timeline, { tcf: [reading([], [9])] })]).status).toBe('fail');
  });

  it('consent.signal-matches-choice passes when the TC string after a refusal grants nothing', () => {
    const result = decide([makeScenario('refuse', [], timeline, { tcf: [reading([], [])] })]);
    expect(result.status).toBe('pass');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({ kind: 'note', detail: expect.stringContaining('CQ-fixture') }),
    );
  });

  it('consent.signal-matches-choice is not applicable without a TCF API', () => {
    expect(decide([makeScenario('refuse', [], timeline)]).status).toBe('not-applicable');
  });

  it('consent.signal-matches-choice is inconclusive when the refuse scenario did not run or never refused', () => {
    expect(decide([makeScenario('accept', [], [mark('launch', 0)])]).status).toBe('inconclusive');
    expect(decide([makeScenario('refuse', [], [mark('launch', 0)], { tcf: [] })]).status).toBe('inconclusive');
    const failed = decide([
      makeScenario('refuse', [], timeline, {
        status: 'error',
        error: { code: 'CONF_SCENARIO_TIMEOUT', message: 'x' },
        tcf: [reading([], [])],
      }),
    ]);
    expect(failed.status).toBe('inconclusive');
  });

  it('consent.signal-matches-choice is registered', () => {
    expect(allChecks.map((check) => check.id)).toContain('consent.signal-matches-choice');
  });
});
