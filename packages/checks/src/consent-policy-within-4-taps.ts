import { allPlatforms, defineCheck } from './define.js';
import { scenario, screenshotRef } from './helpers.js';

export const POLICY_MAX_TAPS = 4;

/** The privacy policy is reachable from the main UI within 4 taps. */
export const consentPolicyWithin4Taps = defineCheck({
  id: 'consent.policy-within-4-taps',
  title: 'The privacy policy is reachable within 4 taps',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['policy'],
  evaluate({ scenarios }) {
    const run = scenario(scenarios, 'policy');
    const policy = run?.evidence.policy;
    if (!run || !policy) return { status: 'inconclusive', summary: 'the policy scenario recorded no outcome', evidence: [] };
    const how =
      policy.method === 'manifest-path'
        ? 'following the manifest path'
        : `exploring ${policy.explored} path(s) up to ${POLICY_MAX_TAPS} taps deep`;
    const evidence = [
      ...screenshotRef(run, 'privacy-policy.png'),
      { kind: 'note' as const, detail: `path: ${policy.path.join(' → ') || '(none)'}` },
    ];
    if (!policy.reached) return { status: 'fail', summary: `the privacy policy was not reached ${how}`, evidence };
    if ((policy.taps ?? Infinity) > POLICY_MAX_TAPS) {
      return { status: 'fail', summary: `the privacy policy takes ${policy.taps} taps (more than ${POLICY_MAX_TAPS})`, evidence };
    }
    return { status: 'pass', summary: `the privacy policy is ${policy.taps} tap(s) from the main UI`, evidence };
  },
});
