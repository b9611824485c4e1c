import { allPlatforms, defineCheck } from './define.js';
import { scenario, screenshotRef } from './helpers.js';

/** The first screen of the consent dialog offers a way to refuse, as prominent as accepting. */
export const consentRejectOnFirstLayer = defineCheck({
  id: 'consent.reject-on-first-layer',
  title: 'The consent dialog offers a reject option on its first layer',
  severity: 'high',
  platforms: allPlatforms,
  scenarios: ['idle'],
  evaluate({ scenarios }) {
    const idle = scenario(scenarios, 'idle');
    const dialog = idle?.evidence.dialog;
    if (!idle || !dialog) return { status: 'inconclusive', summary: 'the dialog was never inspected', evidence: [] };
    const evidence = [
      ...screenshotRef(idle, dialog.screenshot),
      { kind: 'note' as const, detail: `dialog buttons: ${dialog.buttons.join(' | ') || '(none)'}` },
    ];
    if (!dialog.shown) return { status: 'fail', summary: 'no consent dialog appeared at first launch', evidence };
    if (!dialog.rejectOnFirstLayer) {
      return {
        status: 'fail',
        summary: `the dialog offers no reject option on its first layer (buttons: ${dialog.buttons.join(', ')})`,
        evidence,
      };
    }
    return {
      status: 'pass',
      summary: `the dialog offers a reject option (${dialog.rejectSelector ?? 'by its label'})`,
      evidence,
    };
  },
});
