import type { DeviceSession } from '@conformance/core';
import { connect, elementActions } from './webdriver-common.js';
import keywords from './data/ui-keywords.json' with { type: 'json' };
import { chooseConsent, locateConsent, type ConsentPage } from './consent/locate.js';
import { nativeSnapshot, nativeText } from './consent/native-snapshot.js';

export interface NativeSessionOptions {
  /** The WebDriver endpoint: a local Appium server or a remote grid/device farm. */
  appiumUrl: string;
  capabilities: WebdriverIO.Capabilities;
  /** The app's id (Android package or iOS bundle id), to restart it. */
  appId: string;
  selectorTimeoutMs?: number;
  /** Cookies and web storage have no native counterpart here; a platform hook may list app storage. */
  storage?: () => Promise<{ cookies: []; origins: [] }>;
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
  const source = async () => (await browser.getPageSource()).toLowerCase();
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
      for (const button of await root.$$('//*[@clickable="true"]').getElements()) buttons.push((await button.getText()).trim());
      const toggles: { label: string; checked: boolean }[] = [];
      for (const toggle of await root.$$('//*[@checkable="true"]').getElements()) {
        toggles.push({ label: (await toggle.getText()).trim(), checked: (await toggle.getAttribute('checked')) === 'true' });
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
      const found = await browser.$$('//*[@clickable="true"]').getElements();
      const out: { selector: string; text: string }[] = [];
      for (const item of found) {
        const id = await item.getAttribute('resource-id').catch(() => null);
        const label = await item.getAttribute('content-desc').catch(() => null);
        const selector = id ? `id=${id}` : label ? `~${label}` : null;
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
