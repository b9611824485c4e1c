import { allPlatforms, defineCheck } from './define.js';
import { scenario, screenshotRef } from './helpers.js';

/** Consent is an act: no checkbox or switch in the dialog is ticked before the user touches it. */
export const consentNoPretickedBoxes = defineCheck({
  id: 'consent.no-preticked-boxes',
  title: 'No consent checkbox or switch is pre-ticked',
  severity: 'high',
  platforms: allPlatforms,
  scenarios: ['idle'],
  evaluate({ scenarios }) {
    const idle = scenario(scenarios, 'idle');
    const dialog = idle?.evidence.dialog;
    if (!idle || !dialog?.shown)
      return { status: 'inconclusive', summary: 'no consent dialog was shown to inspect', evidence: [] };
    const ticked = dialog.toggles.filter((toggle) => toggle.checked);
    const evidence = screenshotRef(idle, dialog.screenshot);
    if (ticked.length > 0) {
      return {
        status: 'fail',
        summary: `${ticked.length} of ${dialog.toggles.length} consent box(es) pre-ticked: ${ticked.map((t) => `"${t.label || '(no label)'}"`).join(', ')}`,
        evidence,
      };
    }
    return { status: 'pass', summary: `${dialog.toggles.length} consent box(es) in the dialog, none pre-ticked`, evidence };
  },
});
