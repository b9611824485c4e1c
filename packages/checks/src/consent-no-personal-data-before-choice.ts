import { isThirdParty } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings } from './personal-data.js';

/**
 * No personal data of any category (identifiers, location, network facts, the app list,
 * contact details …) goes to a third party, declared SDK or not, before the user has chosen
 * in the consent dialog, raw, encoded or hashed.
 */
export const consentNoPersonalDataBeforeChoice = defineCheck({
  id: 'consent.no-personal-data-before-choice',
  title: 'No personal data is sent to a third party before the user chooses',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const before = scenarios.flatMap((scenario) =>
      scenario.flows.filter((flow) => flow.phase === 'before-choice' && isThirdParty(flow.destination)),
    );
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
      summary: `${before.length} request(s) to third parties before any choice, none carrying personal data the analyzer recognises`,
      evidence: [],
    };
  },
});
