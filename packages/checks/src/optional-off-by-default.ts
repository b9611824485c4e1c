import { isThirdParty, type CheckId, type DataCategory } from '@conformance/core';
import { allPlatforms, defineCheck, type CheckDefinition } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings } from './personal-data.js';

/**
 * Optional personal information stays off unless the integrator turned it on: after the
 * user accepts, with the app's default configuration, no request to a third party
 * (declared SDK or not) carries data of these categories.
 */
export function defineOptionalOffCheck(id: CheckId, title: string, categories: readonly DataCategory[]): CheckDefinition {
  return defineCheck({
    id,
    title,
    severity: 'high',
    platforms: allPlatforms,
    scenarios: ['accept'],
    evaluate({ scenarios }) {
      const thirdParty = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => isThirdParty(flow.destination)));
      const offending = personalDataFindings(thirdParty, { categories });
      if (offending.length > 0) {
        return { status: 'fail', summary: describeFindings(offending), evidence: personalDataEvidence(offending) };
      }
      if (thirdParty.length === 0) {
        return { status: 'not-applicable', summary: 'no request to a third party was observed', evidence: [] };
      }
      return {
        status: 'pass',
        summary: `none of ${thirdParty.length} request(s) to third parties carried ${categories.join(' or ')}`,
        evidence: [],
      };
    },
  });
}
