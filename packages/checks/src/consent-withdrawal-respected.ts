import type { TimelineEntry } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { carried, hosts, isUnwantedThirdParty, lastEntry, scenario, timelineRef, withPersonalData } from './helpers.js';

/** What the user does next that ends the grace: using the app, reopening it, leaving it for the background. */
const userActions = new Set<TimelineEntry['action']>(['tap', 'type', 'relaunch', 'background']);

/** Requests already in flight when the user withdraws get this long to finish. */
export const WITHDRAW_GRACE_MS = 2_000;

/**
 * After the user withdraws consent, collection stops. Requests already in flight get a 2 s
 * grace, which ends early at the user's next interaction (a tap, a relaunch, sending the app
 * to the background): anything that interaction causes is new collection.
 */
export const consentWithdrawalRespected = defineCheck({
  id: 'consent.withdrawal-respected',
  title: 'Collection stops after the user withdraws consent',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['withdraw'],
  evaluate({ scenarios }) {
    const withdraw = scenario(scenarios, 'withdraw');
    const withdrawal = withdraw && lastEntry(withdraw, 'withdraw');
    if (!withdraw || !withdrawal) {
      return { status: 'inconclusive', summary: 'consent was never withdrawn in the withdraw scenario', evidence: [] };
    }
    // The next thing the user did, in timeline order (entries are stamped in the order the actions
    // ran; two may share a millisecond, so order, not the clock, says what came next).
    const timeline = withdraw.evidence.timeline;
    const nextInteraction = timeline.slice(timeline.indexOf(withdrawal) + 1).find((entry) => userActions.has(entry.action));
    const graceEnd = Math.min(withdrawal.at + WITHDRAW_GRACE_MS, nextInteraction?.at ?? Infinity);
    const after = withdraw.flows.filter((flow) => flow.phase === 'after-withdraw' && flow.flow.startedAt > graceEnd);
    const offending = after.filter(isUnwantedThirdParty);
    if (offending.length > 0) {
      return {
        status: 'fail',
        summary: `${offending.length} request(s) to third parties after withdrawal (past the in-flight grace): ${hosts(offending)}${carried(offending)}`,
        evidence: [timelineRef(withdraw, withdrawal), ...withPersonalData(offending)],
      };
    }
    return {
      status: 'pass',
      summary: `${after.length} request(s) after withdrawal (past the ${WITHDRAW_GRACE_MS / 1000} s grace), none to a third party`,
      evidence: [timelineRef(withdraw, withdrawal)],
    };
  },
});
