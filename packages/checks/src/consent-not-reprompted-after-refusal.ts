import { allPlatforms, defineCheck } from './define.js';
import { lastEntry, scenario, screenshotRef, timelineRef } from './helpers.js';

/** A refusal is remembered: relaunching the app does not force the consent dialog again. */
export const consentNotRepromptedAfterRefusal = defineCheck({
  id: 'consent.not-reprompted-after-refusal',
  title: 'The consent dialog is not forced again after a refusal',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['refuse'],
  evaluate({ scenarios }) {
    const refuse = scenario(scenarios, 'refuse');
    const reprompted = refuse?.evidence.repromptedAfterRelaunch;
    const relaunch = refuse && lastEntry(refuse, 'relaunch');
    if (!refuse || !lastEntry(refuse, 'consent-reject') || reprompted === undefined || !relaunch) {
      return { status: 'inconclusive', summary: 'no refusal followed by a relaunch was observed', evidence: [] };
    }
    const evidence = [timelineRef(refuse, relaunch), ...screenshotRef(refuse, 'after-relaunch.png')];
    return reprompted
      ? { status: 'fail', summary: 'the consent dialog was shown again right after relaunching', evidence }
      : { status: 'pass', summary: 'the consent dialog stayed closed after relaunching', evidence };
  },
});
