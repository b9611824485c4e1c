import { defineCheck } from './define.js';
import { lastEntry, scenario, timelineRef } from './helpers.js';

/**
 * Where the consent manager speaks the IAB Transparency and Consent Framework, the TC string
 * it reports after the user refuses must grant no purpose and no vendor consent: advertising
 * and analytics vendors read that string, not the dialog.
 */
export const consentSignalMatchesChoice = defineCheck({
  id: 'consent.signal-matches-choice',
  title: 'The consent signal (IAB TCF string) after a refusal grants no consent',
  scenarios: ['refuse'],
  severity: 'high',
  platforms: ['web'],
  evaluate({ scenarios }) {
    const refuse = scenario(scenarios, 'refuse');
    if (!refuse) return { status: 'inconclusive', summary: 'the refuse scenario did not run', evidence: [] };
    const rejected = lastEntry(refuse, 'consent-reject');
    if (!rejected) {
      return {
        status: 'inconclusive',
        summary: 'the refuse scenario never refused (no reject control was operated)',
        evidence: [],
      };
    }
    const readings = refuse.evidence.tcf ?? [];
    const after = readings.filter((reading) => reading.after === 'consent-reject');
    if (readings.length === 0 || after.length === 0) {
      return {
        status: 'not-applicable',
        summary: 'the consent manager exposes no IAB TCF API (__tcfapi), so there is no TC string to compare',
        evidence: [timelineRef(refuse, rejected)],
      };
    }
    const reading = after.at(-1)!;
    const evidence = [
      timelineRef(refuse, rejected),
      {
        kind: 'note' as const,
        detail: `TC string after refusal: ${reading.tcString} (purpose consents: [${reading.purposeConsents.join(', ')}], vendor consents: [${reading.vendorConsents.join(', ')}], purposes on legitimate interest: [${reading.purposeLegitimateInterests.join(', ')}])`,
      },
    ];
    const granted = [
      ...(reading.purposeConsents.length ? [`consent to purposes ${reading.purposeConsents.join(', ')}`] : []),
      ...(reading.vendorConsents.length ? [`consent for vendors ${reading.vendorConsents.join(', ')}`] : []),
    ];
    if (granted.length) {
      return {
        status: 'fail',
        summary: `after the user refused, the TC string still grants ${granted.join(' and ')}`,
        evidence,
      };
    }
    return {
      status: 'pass',
      summary: 'after the user refused, the TC string grants no purpose and no vendor consent',
      evidence,
    };
  },
});
