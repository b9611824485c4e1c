import { flowRef } from '@conformance/core';
import { defineCheck } from './define.js';
import { hosts, isUnwantedThirdParty, scenario } from './helpers.js';

/**
 * With Global Privacy Control on (Sec-GPC: 1 and navigator.globalPrivacyControl), an app that
 * sells or shares personal data sends nothing to third-party analytics or advertising, even
 * after the user accepts the banner. Not applicable when the manifest declares no sale or sharing.
 * Judges web apps, and Android apps whose UI is a web view when the signal was read back there.
 */
export const gpcHonoured = defineCheck({
  id: 'gpc.honoured',
  title: 'Global Privacy Control is honoured',
  severity: 'high',
  platforms: ['web'],
  // An Android app whose UI is a web view: the gpc session sets the signal in the web view.
  webViews: ['android'],
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
    // The signal counts only as read back from the page (a native app's web view must have it;
    // a web bundle from before the read-back was recorded has none).
    const signal = run.evidence.gpcSignal;
    if (signal ? signal.readBack !== true : analysis.manifest.platform !== 'web') {
      return {
        status: 'inconclusive',
        summary: `Global Privacy Control was not read back from the app's ${analysis.manifest.platform === 'web' ? 'page' : 'web view'}, so the app may never have received it`,
        evidence: [],
      };
    }
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
