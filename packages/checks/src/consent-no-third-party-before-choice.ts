import { flowRef, isThirdParty } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';

/**
 * Nothing may reach a host outside the app's first party before the user has made a
 * choice in the consent dialog. Platform background traffic is set aside (listed in
 * the report), everything else counts, declared SDKs included.
 */
export const consentNoThirdPartyBeforeChoice = defineCheck({
  id: 'consent.no-third-party-before-choice',
  title: 'No request to a third party before the user chooses',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const observed = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => flow.phase === 'before-choice'));
    const offending = observed.filter((flow) => isThirdParty(flow.destination));
    if (offending.length > 0) {
      const hosts = [...new Set(offending.map((flow) => flow.flow.host))];
      return {
        status: 'fail',
        summary: `${offending.length} request(s) to ${hosts.length} third-party host(s) before any choice: ${hosts.join(', ')}`,
        evidence: offending.map(flowRef),
      };
    }
    return {
      status: 'pass',
      summary: `${observed.length} request(s) before any choice, all to the first party or the platform`,
      evidence: [],
    };
  },
});
