import type { DeviceSession, GpcSignal } from '@conformance/core';
import { connect, elementActions } from './webdriver-common.js';
import { applyWebViewGpc, type WebViewClient } from './webview-gpc.js';
import keywords from './data/ui-keywords.json' with { type: 'json' };
import { chooseConsent, locateConsent, type ConsentPage } from './consent/locate.js';
import { nativeSnapshot, nativeText } from './consent/native-snapshot.js';

/**
 * How each native automation names things: UiAutomator2 (Android) and XCUITest (iOS) expose
 * different attributes, so every query of the page source goes through this table.
 */
export const nativeUi = {
  android: {
    /** Tappable elements, searched inside a root element. */
    clickable: './/*[@clickable="true"]',
    clickableAnywhere: '//*[@clickable="true"]',
    toggle: './/*[@checkable="true"]',
    /** The attribute of a toggle that says it is on, and the value that means on. */
    checked: { attribute: 'checked', on: 'true' },
    /** Attributes that give a stable selector: the resource id (`id=`) or the content description (`~`). */
    idAttribute: 'resource-id',
    labelAttribute: 'content-desc',
  },
  ios: {
    clickable: './/*[self::XCUIElementTypeButton or self::XCUIElementTypeLink or self::XCUIElementTypeCell]',
    clickableAnywhere:
      '//*[self::XCUIElementTypeButton or self::XCUIElementTypeLink or self::XCUIElementTypeCell][@visible="true"]',
    toggle: './/XCUIElementTypeSwitch',
    checked: { attribute: 'value', on: '1' },
    /** XCUITest's `name` is the accessibility identifier (or label); `~` finds it. */
    idAttribute: null,
    labelAttribute: 'name',
  },
} as const;
export type NativePlatform = keyof typeof nativeUi;

/** The WebdriverIO selector that finds an element again from its attributes, or null when none is stable. */
export function nativeSelector(
  platform: NativePlatform,
  attributes: { id?: string | null; label?: string | null },
): string | null {
  if (nativeUi[platform].idAttribute && attributes.id) return `id=${attributes.id}`;
  return attributes.label ? `~${attributes.label}` : null;
}

export interface NativeSessionOptions {
  platform: NativePlatform;
  /** The WebDriver endpoint: a local Appium server or a remote grid/device farm. */
  appiumUrl: string;
  capabilities: WebdriverIO.Capabilities;
  /** The app's id (Android package or iOS bundle id), to restart it. */
  appId: string;
  selectorTimeoutMs?: number;
  /** Cookies and web storage have no native counterpart here; a platform hook may list app storage. */
  storage?: () => Promise<{ cookies: []; origins: [] }>;
  /**
   * Global Privacy Control inside the app's web view (an app whose manifest says `webView`):
   * set, and read back, before the session is handed over; otherwise the session fails with
   * CONF_GPC_NOT_APPLIED.
   */
  gpc?: { context?: string; timeoutMs?: number };
}

/** The web view commands of a WebdriverIO session on Appium; DevTools commands go through chromedriver's passthrough. */
export function webViewClient(browser: WebdriverIO.Browser, endpoint: string): WebViewClient {
  const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
  return {
    getContexts: async () =>
      (await browser.getContexts()).map((context) => (typeof context === 'string' ? context : context.id)),
    switchContext: async (name) => {
      await browser.switchContext(name);
    },
    async cdp(cmd, params) {
      const response = await fetch(new URL(`session/${browser.sessionId}/goog/cdp/execute`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cmd, params }),
      });
      const body = (await response.json()) as { value?: { message?: string } };
      if (!response.ok) throw new Error(`${cmd}: ${(body.value?.message ?? JSON.stringify(body.value)).split('\n')[0]}`);
      return body.value;
    },
    execute: (script) => browser.execute(script),
    refresh: () => browser.refresh(),
  };
}

/**
 * A device session on a native app (appium-uiautomator2-driver or appium-xcuitest-driver).
 * Selectors are WebdriverIO's (`~accessibility-id`, `id=…`, XPath). API-call recording has no
 * native source yet (a Frida/API-hook source would feed drainEvents), so the checks that need
 * it stay inconclusive on these platforms rather than pass.
 */
export async function openNativeSession(options: NativeSessionOptions): Promise<DeviceSession> {
  const browser = await connect(
    options.appiumUrl,
    options.capabilities,
    'run "conformance doctor --platform android" (or ios); the device must be booted and reachable',
  );
  const actions = elementActions(
    browser,
    options.selectorTimeoutMs ?? 10_000,
    'check the selector in the app manifest (use ~accessibility-id or id=) against the app',
  );
  let gpcSignal: GpcSignal | undefined;
  if (options.gpc) {
    try {
      gpcSignal = await applyWebViewGpc(webViewClient(browser, options.appiumUrl), {
        platform: options.platform,
        appId: options.appId,
        ...options.gpc,
      });
    } catch (error) {
      await browser.deleteSession().catch(() => undefined);
      throw error;
    }
  }
  const source = async () => (await browser.getPageSource()).toLowerCase();
  const ui = nativeUi[options.platform];
  let closed = false;
  const consentPage: ConsentPage = {
    snapshot: async () => nativeSnapshot(await browser.getPageSource()),
    waitForDisplayed: actions.waitForDisplayed,
    exists: async (selector) =>
      (await browser
        .$(selector)
        .isExisting()
        .catch(() => false)) as boolean,
    tap: actions.tap,
    waitForGone: actions.waitForGone,
    // Area from the element's size (device pixels); font size and contrast are not in the view hierarchy.
    async measure(selector, tapsAway) {
      const element = browser.$(selector);
      if (!(await element.isDisplayed().catch(() => false))) return undefined;
      const size = await element.getSize();
      const text = (await element.getText().catch(() => '')).trim();
      return { selector, text, area: Math.round(size.width * size.height), fontSizePx: null, contrast: null, tapsAway };
    },
  };
  return {
    stealth: [],
    // No API-hook source runs on native platforms yet, and there is no browser network log.
    instrumentation: { apiEvents: false, networkLog: false },
    ...(gpcSignal ? { gpcSignal } : {}),
    /** Android: HOME (onPause/onStop); iOS: the app is sent to the background until activated again. */
    async background() {
      if (options.platform === 'android') await browser.execute('mobile: pressKey', { keycode: 3 });
      else await browser.execute('mobile: backgroundApp', { seconds: -1 });
    },
    async foreground() {
      await browser.activateApp(options.appId);
    },
    async launch() {
      await browser.activateApp(options.appId);
    },
    async relaunch() {
      await browser.terminateApp(options.appId);
      await browser.activateApp(options.appId);
    },
    ...actions,
    async inspectDialog(dialog, reject, _policyLink, accept) {
      const root = browser.$(dialog);
      if (!(await root.isDisplayed().catch(() => false))) {
        return { shown: false, rejectOnFirstLayer: false, rejectSelector: null, toggles: [], policyLink: false, buttons: [] };
      }
      const buttons: string[] = [];
      for (const button of await root.$$(ui.clickable).getElements()) buttons.push((await button.getText()).trim());
      const toggles: { label: string; checked: boolean }[] = [];
      for (const toggle of await root.$$(ui.toggle).getElements()) {
        const label =
          options.platform === 'ios' ? ((await toggle.getAttribute('label').catch(() => null)) ?? '') : await toggle.getText();
        toggles.push({ label: label.trim(), checked: (await toggle.getAttribute(ui.checked.attribute)) === ui.checked.on });
      }
      const rejectShown = reject
        ? await browser
            .$(reject)
            .isDisplayed()
            .catch(() => false)
        : false;
      const matches = (text: string, words: string[]) => words.some((word) => text.toLowerCase().includes(word));
      const acceptMeasure = accept ? await consentPage.measure(accept, 0) : undefined;
      const rejectMeasure = rejectShown ? await consentPage.measure(reject!, 0) : undefined;
      return {
        text: nativeText(await browser.getPageSource(), 8_000),
        controls: { ...(acceptMeasure ? { accept: acceptMeasure } : {}), ...(rejectMeasure ? { reject: rejectMeasure } : {}) },
        shown: true,
        rejectOnFirstLayer: rejectShown || buttons.some((text) => matches(text, keywords.reject)),
        rejectSelector: rejectShown ? reject! : null,
        toggles,
        policyLink: buttons.some((text) => matches(text, keywords.policy)),
        buttons: buttons.filter(Boolean),
      };
    },
    async locateConsent(manifest, timeoutMs) {
      const location = await locateConsent(consentPage, manifest, timeoutMs);
      // A native screen has no dialog element to name: the dialog is shown while its accept control is.
      return location.dialog === '(screen)' && location.accept ? { ...location, dialog: location.accept } : location;
    },
    chooseConsent: (choice, location) => chooseConsent(consentPage, choice, location),
    async readTcf() {
      return null;
    },
    async visibleText() {
      return { url: `app:${options.appId}`, text: nativeText(await browser.getPageSource(), 200_000) };
    },
    async clickables() {
      const found = await browser.$$(ui.clickableAnywhere).getElements();
      const out: { selector: string; text: string }[] = [];
      for (const item of found) {
        const id = ui.idAttribute ? await item.getAttribute(ui.idAttribute).catch(() => null) : null;
        const label = await item.getAttribute(ui.labelAttribute).catch(() => null);
        const selector = nativeSelector(options.platform, { id, label });
        if (selector) out.push({ selector, text: (await item.getText()).trim() });
      }
      return out;
    },
    async showsPrivacyPolicy() {
      const text = await source();
      return keywords.policy.some((word) => text.includes(word.toLowerCase()));
    },
    async drainEvents() {
      return [];
    },
    async requestInitiators() {
      return [];
    },
    async attemptedRequests() {
      return [];
    },
    async storage() {
      return options.storage ? options.storage() : { cookies: [], origins: [] };
    },
    async close() {
      if (closed) return;
      closed = true;
      await browser.deleteSession();
    },
  };
}
