import { flowRef, isThirdParty } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';

/** Every request to a third party uses TLS: a cleartext `http://` request fails the check. */
export const transportTlsEverywhere = defineCheck({
  id: 'transport.tls-everywhere',
  title: 'Every request to a third party uses TLS',
  severity: 'high',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const thirdParty = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => isThirdParty(flow.destination)));
    const cleartext = thirdParty.filter((flow) => flow.flow.scheme === 'http');
    if (cleartext.length > 0) {
      const hosts = [...new Set(cleartext.map((flow) => flow.flow.host))];
      return {
        status: 'fail',
        summary: `${cleartext.length} cleartext http:// request(s) to ${hosts.join(', ')}`,
        evidence: cleartext.map(flowRef),
      };
    }
    if (thirdParty.length === 0) {
      return { status: 'not-applicable', summary: 'no request to a third party was observed', evidence: [] };
    }
    const hosts = new Set(thirdParty.map((flow) => flow.flow.host));
    return {
      status: 'pass',
      summary: `all ${thirdParty.length} request(s) to ${hosts.size} third-party host(s) used TLS`,
      evidence: [],
    };
  },
});
