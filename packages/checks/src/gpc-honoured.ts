import { flowRef } from '@conformance/core';
import { defineCheck } from './define.js';
import { hosts, isUnwantedThirdParty, scenario } from './helpers.js';

/**
 * With Global Privacy Control on (Sec-GPC: 1 and navigator.globalPrivacyControl), an app that
 * sells or shares personal data sends nothing to third-party analytics or advertising, even
 * after the user accepts the banner. Not applicable when the manifest declares no sale or sharing.
 */
export const gpcHonoured = defineCheck({
  id: 'gpc.honoured',
  title: 'Global Privacy Control is honoured',
  severity: 'high',
  platforms: ['web'],
  scenarios: ['gpc'],
  evaluate({ scenarios, analysis }) {
    if (!analysis.manifest.sellsOrShares) {
      return {
        status: 'not-applicable',
        summary: 'the manifest declares that the app neither sells nor shares personal data',
        evidence: [],
      };
    }
    const run = scenario(scenarios, 'gpc');
    if (!run?.evidence.gpc)
      return { status: 'inconclusive', summary: 'no scenario ran with Global Privacy Control on', evidence: [] };
    const offending = run.flows.filter(isUnwantedThirdParty);
    if (offending.length > 0) {
      return {
        status: 'fail',
        summary: `${offending.length} request(s) to third parties with GPC on: ${hosts(offending)}`,
        evidence: offending.map(flowRef),
      };
    }
    return { status: 'pass', summary: `${run.flows.length} request(s) with GPC on, none to a third party`, evidence: [] };
  },
});
