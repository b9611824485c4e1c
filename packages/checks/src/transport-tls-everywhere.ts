import { flowRef, isThirdParty } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';

/**
 * Every request to a third party uses TLS: a cleartext `http://` request fails the check,
 * also one the browser stopped before it left (mixed content): the app tried to send it,
 * and a WebView or native app that allows cleartext would have.
 */
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
      const attempted = cleartext.filter((flow) => flow.flow.attempted);
      const notes = [...new Set(attempted.map((flow) => flow.flow.attempted!.note))];
      return {
        status: 'fail',
        summary: `${cleartext.length} cleartext http:// request(s) to ${hosts.join(', ')}${
          attempted.length ? ` (${attempted.length} attempted: ${notes.join('; ')})` : ''
        }`,
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
