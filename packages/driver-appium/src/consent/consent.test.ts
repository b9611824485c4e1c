import { TCModel, TCString, GVL } from '@iabtcf/core';
import { describe, expect, it } from 'vitest';
import type { ControlMeasure } from '@conformance/core';
import {
  AutoconsentHost,
  autoconsentPageScript,
  autoconsentRules,
  ruleSelectors,
  type AutoconsentMessage,
} from './autoconsent.js';
import { CHOICE_SETTLE_MS, chooseConsent, locateConsent, type ConsentPage } from './locate.js';
import { nativeSnapshot } from './native-snapshot.js';
import { decodeTcString } from './tcf.js';
import type { UiSnapshot } from './heuristics.js';

describe('autoconsent rules', () => {
  it('ship a rule for vanilla-cookieconsent v3 whose opt-in and opt-out selectors are read', async () => {
    const rule = autoconsentRules().find((candidate) => candidate.name === 'cookieconsent3')!;
    expect(rule).toBeDefined();
    const firstLayer = await ruleSelectors(rule, async () => true);
    expect(firstLayer).toEqual({
      dialog: '#cc-main .cm-wrapper',
      accept: '.cm__btn[data-role=all]',
      reject: '.cm__btn[data-role=necessary]',
      rejectTapsAway: 0,
    });
    // Without a first-layer "necessary only" button, opting out goes through the preferences.
    const secondLayer = await ruleSelectors(rule, async () => false);
    expect(secondLayer).toMatchObject({
      reject: '#cc-main .pm__btn[data-role=necessary]',
      settings: '.cm__btn[data-role=show]',
      rejectTapsAway: 1,
    });
  });

  it('the page script defines the message shim before the library', () => {
    const script = autoconsentPageScript();
    expect(script.indexOf('window.autoconsentSendMessage =')).toBeGreaterThanOrEqual(0);
    expect(script.indexOf('window.autoconsentSendMessage =')).toBeLessThan(
      script.indexOf('autoconsentReceiveMessage = (message)'),
    );
  });

  it('the host answers init with the rules and records what the page reported', async () => {
    const page: AutoconsentMessage[][] = [
      [{ type: 'init', url: 'https://a.example.test/' }],
      [{ type: 'cmpDetected', cmp: 'x' }],
    ];
    const sent: unknown[][] = [];
    const host = new AutoconsentHost(
      async <T>(script: string, ...args: unknown[]) => {
        if (script.includes('splice')) return (page.shift() ?? []) as T;
        sent.push(args);
        return true as T;
      },
      [{ name: 'x' }, { name: 'elsewhere', runContext: { urlPattern: '^https://other\\.' } }],
    );
    await host.pump();
    expect(JSON.parse(sent[0]![1] as string)).toEqual([{ name: 'x' }]);
    expect(await host.waitFor((message) => message.type === 'cmpDetected', 1_000)).toMatchObject({ cmp: 'x' });
    expect(host.detected()).toBe('x');
    expect(host.popupFound()).toBeUndefined();
  });
});

function fakePage(snapshots: UiSnapshot[], extra: Partial<ConsentPage> = {}): ConsentPage & { taps: string[] } {
  const taps: string[] = [];
  return {
    taps,
    snapshot: async () => (snapshots.length > 1 ? snapshots.shift()! : snapshots[0]!),
    waitForDisplayed: async () => true,
    waitForGone: async () => true,
    exists: async () => true,
    tap: async (selector) => {
      taps.push(selector);
    },
    measure: async (selector, tapsAway): Promise<ControlMeasure> => ({
      selector,
      text: selector,
      area: 100,
      fontSizePx: 12,
      contrast: 4.5,
      tapsAway,
    }),
    ...extra,
  };
}

const zh: UiSnapshot = {
  viewport: { width: 400, height: 800 },
  containers: [
    { selector: '#bar', text: '我们重视您的隐私与个人信息', kind: 'banner', rect: { x: 0, y: 600, width: 400, height: 200 } },
  ],
  controls: [
    { selector: '#yes', text: '同意', role: 'button', rect: { x: 10, y: 700, width: 100, height: 40 }, container: 0 },
    { selector: '#more', text: '更多选项', role: 'button', rect: { x: 150, y: 700, width: 100, height: 40 }, container: 0 },
  ],
};
const empty: UiSnapshot = { viewport: { width: 400, height: 800 }, containers: [], controls: [] };

describe('locateConsent', () => {
  it('uses the manifest selectors as they are, without looking', async () => {
    const page = fakePage([empty]);
    const location = await locateConsent(page, { dialog: '#d', accept: '#a' }, 1_000);
    expect(location).toMatchObject({ found: true, dialog: '#d', accept: '#a', sources: { accept: { method: 'manifest' } } });
    expect(location.reject).toBeUndefined();
  });

  it('finds a dialog by the heuristics and records the confidence', async () => {
    const location = await locateConsent(fakePage([zh]), undefined, 1_000);
    expect(location).toMatchObject({
      found: true,
      dialog: '#bar',
      accept: '#yes',
      settings: '#more',
      sources: { accept: { method: 'heuristic', rule: '同意' } },
    });
    expect(location.sources.accept!.confidence).toBeGreaterThan(0.6);
  });

  it('reports not found, with the candidates, when nothing is confident', async () => {
    const location = await locateConsent(fakePage([empty]), undefined, 300);
    expect(location).toMatchObject({ found: false, candidates: [] });
  });

  it('refuses through the settings control when the first layer has no reject', async () => {
    const revealed: UiSnapshot = {
      ...zh,
      controls: [
        ...zh.controls,
        { selector: '#no', text: '全部拒绝', role: 'button', rect: { x: 10, y: 650, width: 100, height: 40 }, container: 0 },
      ],
    };
    const page = fakePage([zh]);
    const location = await locateConsent(page, undefined, 1_000);
    page.snapshot = async () => revealed;
    const choice = await chooseConsent(page, 'reject', location);
    expect(page.taps).toEqual(['#more', '#no']);
    expect(choice).toMatchObject({ selector: '#no', tapsAway: 1, measure: { tapsAway: 1 }, source: { method: 'heuristic' } });
  });
});

describe('chooseConsent: a tap the dialog did not answer', () => {
  const location = {
    found: true as const,
    dialog: '#banner',
    accept: '#ok',
    reject: '#no',
    sources: { dialog: { method: 'manifest' as const }, accept: { method: 'manifest' as const } },
    candidates: [],
  };

  it('is made once more when the dialog is still shown after the settle time, and the choice says so', async () => {
    const gone: boolean[] = [];
    const page = fakePage([empty], {
      waitForGone: async (selector, timeoutMs) => (gone.push(selector === '#banner' && timeoutMs === CHOICE_SETTLE_MS), false),
    });
    const choice = await chooseConsent(page, 'accept', location);
    expect(page.taps).toEqual(['#ok', '#ok']);
    expect(gone).toEqual([true]);
    expect(choice).toMatchObject({ selector: '#ok', retapped: true });
  });

  it('negative control: a dialog that closes on the first tap is tapped once, and a control that is gone is not tapped again', async () => {
    const closes = fakePage([empty]);
    expect(await chooseConsent(closes, 'reject', location)).not.toHaveProperty('retapped');
    expect(closes.taps).toEqual(['#no']);
    const vanished = fakePage([empty], { waitForGone: async () => false, waitForDisplayed: async () => false });
    expect(await chooseConsent(vanished, 'accept', location)).not.toHaveProperty('retapped');
    expect(vanished.taps).toEqual(['#ok']);
  });
});

describe('nativeSnapshot', () => {
  it('reads clickable controls, their text and bounds from a UiAutomator2 source', () => {
    const source = `<?xml version="1.0" encoding="UTF-8"?><hierarchy rotation="0"><android.widget.FrameLayout bounds="[0,0][1080,2400]" clickable="false" text="">
      <android.widget.TextView text="我们重视您的隐私" bounds="[40,1600][1040,1700]" clickable="false"/>
      <android.widget.Button resource-id="com.example:id/agree" text="同意" class="android.widget.Button" bounds="[40,2000][520,2100]" clickable="true"/>
      <android.widget.LinearLayout resource-id="com.example:id/deny" bounds="[560,2000][1040,2100]" clickable="true">
        <android.widget.TextView text="不同意" bounds="[600,2020][1000,2080]" clickable="false"/>
      </android.widget.LinearLayout></android.widget.FrameLayout></hierarchy>`;
    const snapshot = nativeSnapshot(source);
    expect(snapshot.viewport).toEqual({ width: 1080, height: 2400 });
    expect(snapshot.controls).toEqual([
      expect.objectContaining({ selector: 'id=com.example:id/agree', text: '同意', role: 'button' }),
      expect.objectContaining({ selector: 'id=com.example:id/deny', text: '不同意', role: 'other' }),
    ]);
    expect(snapshot.containers[0]!.text).toContain('隐私');
  });
});

describe('decodeTcString', () => {
  it('lists the purposes and vendors a TC string grants', () => {
    const purposes = Object.fromEntries([1, 2, 3].map((id) => [id, { id, name: `p${id}`, description: '', illustrations: [] }]));
    const gvl = new GVL({
      gvlSpecificationVersion: 3,
      vendorListVersion: 1,
      tcfPolicyVersion: 4,
      lastUpdated: '2026-01-01T00:00:00Z',
      purposes,
      specialPurposes: {},
      features: {},
      specialFeatures: {},
      vendors: {
        '7': {
          id: 7,
          name: 'v',
          purposes: [1, 2],
          legIntPurposes: [3],
          flexiblePurposes: [],
          specialPurposes: [],
          features: [],
          specialFeatures: [],
          policyUrl: 'https://v.example.test',
        },
      },
      stacks: {},
    } as unknown as ConstructorParameters<typeof GVL>[0]);
    const granting = new TCModel(gvl);
    granting.cmpId = 2;
    granting.purposeConsents.set([1, 2]);
    granting.vendorConsents.set(7);
    granting.purposeLegitimateInterests.set(3);
    expect(decodeTcString(TCString.encode(granting))).toMatchObject({
      purposeConsents: [1, 2],
      purposeLegitimateInterests: [3],
      vendorConsents: [7],
      vendorLegitimateInterests: [],
    });
    const refusing = new TCModel(gvl);
    refusing.cmpId = 2;
    expect(decodeTcString(TCString.encode(refusing))).toMatchObject({ purposeConsents: [], vendorConsents: [] });
  });
});
