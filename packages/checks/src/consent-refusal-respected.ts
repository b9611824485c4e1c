import { allPlatforms, defineCheck } from './define.js';
import { carried, hosts, isUnwantedThirdParty, lastEntry, scenario, timelineRef, withPersonalData } from './helpers.js';

/**
 * After the user refuses, nothing goes to a third party (a strictly necessary SDK with a
 * declared reason aside): even an identifier-free ping carries the device's IP address
 * and user agent.
 */
export const consentRefusalRespected = defineCheck({
  id: 'consent.refusal-respected',
  title: 'Nothing is sent to third parties after the user refuses',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['refuse'],
  evaluate({ scenarios }) {
    const refuse = scenario(scenarios, 'refuse');
    const refusal = refuse && lastEntry(refuse, 'consent-reject');
    if (!refuse || !refusal) {
      return {
        status: 'inconclusive',
        summary: 'no refusal was made: the manifest names no reject control (see consent.reject-on-first-layer)',
        evidence: [],
      };
    }
    const after = refuse.flows.filter((flow) => flow.phase === 'after-refuse');
    const offending = after.filter(isUnwantedThirdParty);
    if (offending.length > 0) {
      return {
        status: 'fail',
        summary: `${offending.length} request(s) to third parties after the refusal: ${hosts(offending)}${carried(offending)}`,
        evidence: [timelineRef(refuse, refusal), ...withPersonalData(offending)],
      };
    }
    return {
      status: 'pass',
      summary: `${after.length} request(s) after the refusal, none to a third party`,
      evidence: [timelineRef(refuse, refusal)],
    };
  },
});
