import { allPlatforms, defineCheck } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings, type FlowWithFindings } from './personal-data.js';

/**
 * No identifier leaves the device before the user has chosen in the consent dialog, to
 * anyone: first party, declared SDK or third party. Identifiers only (`finding.role ===
 * 'identifier'`): device, advertising, account and persistent-storage ids, and contact details
 * used as a user id. Other personal data (precise location, say) is the business of
 * `consent.no-personal-data-before-choice`. Platform background traffic is set aside.
 */
export const consentNoIdentifierBeforeChoice = defineCheck({
  id: 'consent.no-identifier-before-choice',
  title: 'No identifier is sent before the user chooses',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const before = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => flow.phase === 'before-choice'));
    const offending = personalDataFindings(before)
      .map((item): FlowWithFindings => ({ flow: item.flow, findings: item.findings.filter((f) => f.role === 'identifier') }))
      .filter((item) => item.findings.length > 0);
    if (offending.length > 0) {
      return {
        status: 'fail',
        summary: `before any choice, ${describeFindings(offending)}`,
        evidence: personalDataEvidence(offending),
      };
    }
    return {
      status: 'pass',
      summary: `${before.length} request(s) before any choice, none carrying an identifier the analyzer recognises`,
      evidence: [],
    };
  },
});
