import { defineCheck } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings } from './personal-data.js';

/**
 * No personal data (identifiers, contact data, location, app list …) leaves the device
 * before the user has chosen in the consent dialog, to anyone: first party, declared SDK
 * or third party. Platform background traffic is set aside.
 */
export const consentNoIdentifierBeforeChoice = defineCheck({
  id: 'consent.no-identifier-before-choice',
  title: 'No personal data or identifier is sent before the user chooses',
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const before = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => flow.phase === 'before-choice'));
    const offending = personalDataFindings(before);
    if (offending.length > 0) {
      return {
        status: 'fail',
        summary: `before any choice, ${describeFindings(offending)}`,
        evidence: personalDataEvidence(offending),
      };
    }
    return {
      status: 'pass',
      summary: `${before.length} request(s) before any choice, none carrying personal data the analyzer recognises`,
      evidence: [],
    };
  },
});
