import { describe, expect, it } from 'vitest';
import { defaultScenariosFor, scenarioApplies, scenarioPlans } from './scenarios.js';

describe('defaultScenariosFor', () => {
  const withoutGpc = ['idle', 'refuse', 'accept', 'withdraw', 'policy'];

  it('runs gpc on the web, and on native platforms only for an app marked webView where the signal can be set', () => {
    expect(defaultScenariosFor('web')).toEqual([...withoutGpc, 'gpc']);
    expect(defaultScenariosFor({ platform: 'android' })).toEqual(withoutGpc);
    expect(defaultScenariosFor({ platform: 'android', webView: false })).toEqual(withoutGpc);
    expect(defaultScenariosFor({ platform: 'android', webView: true })).toEqual([...withoutGpc, 'gpc']);
    expect(defaultScenariosFor({ platform: 'android', webView: { context: 'WEBVIEW_com.example.news' } })).toEqual([
      ...withoutGpc,
      'gpc',
    ]);
    // An iOS web view has no DevTools protocol to set the header with: no gpc even when marked.
    expect(defaultScenariosFor({ platform: 'ios', webView: true })).toEqual(withoutGpc);
    expect(defaultScenariosFor('ios')).toEqual(withoutGpc);
  });

  it('scenarioApplies: only gpc is extended to web views, and a marker on the web changes nothing', () => {
    expect(scenarioApplies('gpc', { platform: 'android', webView: true })).toBe(true);
    expect(scenarioApplies('gpc', { platform: 'android' })).toBe(false);
    expect(scenarioApplies('gpc', { platform: 'web', webView: true })).toBe(true);
    const extended = Object.entries(scenarioPlans).filter(([, plan]) => plan.webViews?.length);
    expect(extended.map(([name]) => name)).toEqual(['gpc']);
  });
});
