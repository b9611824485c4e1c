import { writeFile } from 'node:fs/promises';
import type {
  ApiEvent,
  AttemptedRequest,
  Clickable,
  ConsentLocation,
  DeviceSession,
  DialogFacts,
  TcfReading,
} from '@conformance/core';

export interface FakeSessionOptions {
  /** Selectors that are displayed; others never appear. */
  displayed?: string[];
  /** Called on every launch/relaunch/tap, e.g. to simulate the app's requests. */
  onAction?: (action: string, target: string) => void | Promise<void>;
  /** What inspectDialog reports. */
  dialog?: Omit<DialogFacts, 'screenshot' | 'found'>;
  /** What locateConsent finds when the manifest names no dialog (default: nothing, no candidates). */
  consent?: ConsentLocation;
  /** What readTcf reports after each choice, in order (default: no TCF API). */
  tcf?: (TcfReading | null)[];
  /** What visibleText reports. */
  text?: { url: string; text: string };
  /** API events the app "makes"; drained once. */
  events?: ApiEvent[];
  /** Requests the "browser" stopped before the proxy. */
  attempted?: AttemptedRequest[];
  /** What the session says it can record; default like the web (API events and the network log). */
  instrumentation?: { apiEvents: boolean; networkLog: boolean };
  /**
   * Selectors shown only while the app is on its main screen: a tap on one of `leaves` takes
   * the app to another screen (they disappear) until the next launch or relaunch.
   */
  screens?: { main: string[]; leaves: string[] };
  /** Screens of the UI: which controls are visible after a given tap path, and where the policy is. */
  ui?: { clickables: (path: string[]) => Clickable[]; policyAt: (path: string[]) => boolean };
}

/** An in-memory device session that records the calls made on it. */
export function createFakeSession(options: FakeSessionOptions = {}): DeviceSession & { calls: string[] } {
  const displayed = new Set(options.displayed ?? []);
  const calls: string[] = [];
  let away = false;
  const shown = (selector: string) =>
    (displayed.has(selector) && !(away && options.screens?.main.includes(selector))) ||
    (options.ui?.clickables(path).some((c) => c.selector === selector) ?? false);
  let events = [...(options.events ?? [])];
  const tcf = [...(options.tcf ?? [])];
  let path: string[] = [];
  const need = (selector: string) => {
    if (!shown(selector)) throw new Error(`no element ${selector}`);
  };
  return {
    calls,
    stealth: ['fake'],
    instrumentation: options.instrumentation ?? { apiEvents: true, networkLog: true },
    async launch(url) {
      calls.push(`launch ${url}`);
      path = [];
      away = false;
      await options.onAction?.('launch', url);
    },
    async relaunch(url) {
      calls.push(`relaunch ${url}`);
      path = [];
      away = false;
      await options.onAction?.('relaunch', url);
    },
    async waitForDisplayed(selector) {
      calls.push(`wait ${selector}`);
      return shown(selector);
    },
    async tap(selector) {
      calls.push(`tap ${selector}`);
      need(selector);
      // Only taps on the modelled UI move between its screens.
      if (options.ui?.clickables(path).some((c) => c.selector === selector)) path.push(selector);
      if (options.screens?.leaves.includes(selector)) away = true;
      await options.onAction?.('tap', selector);
    },
    async type(selector, text) {
      calls.push(`type ${selector} ${text}`);
      need(selector);
    },
    async screenshot(file, outline) {
      calls.push(`screenshot ${file}${outline?.length ? ` outlining ${outline.join(', ')}` : ''}`);
      await writeFile(file, '');
    },
    async inspectDialog() {
      return (
        options.dialog ?? {
          shown: true,
          rejectOnFirstLayer: true,
          rejectSelector: null,
          toggles: [],
          policyLink: false,
          buttons: [],
        }
      );
    },
    async locateConsent(manifest) {
      calls.push(`locate ${manifest ? manifest.dialog : '(no selectors)'}`);
      if (!manifest) return options.consent ?? { found: false, sources: {}, candidates: [] };
      const source = { method: 'manifest' as const };
      return {
        found: displayed.has(manifest.dialog),
        dialog: manifest.dialog,
        accept: manifest.accept,
        ...(manifest.reject ? { reject: manifest.reject } : {}),
        ...(manifest.policyLink ? { policyLink: manifest.policyLink } : {}),
        sources: { dialog: source, accept: source, ...(manifest.reject ? { reject: source } : {}) },
        candidates: [],
      };
    },
    async chooseConsent(choice, location) {
      const selector = location[choice];
      const source = location.sources[choice] ?? { method: 'manifest' as const };
      if (location.cmp) {
        calls.push(`consent ${choice} by ${location.cmp}`);
        await options.onAction?.('tap', selector ?? location.cmp);
        return { selector: selector ?? `autoconsent:${location.cmp}`, tapsAway: 0, source };
      }
      if (!selector) return undefined;
      await this.tap(selector);
      return { selector, tapsAway: 0, source };
    },
    async readTcf() {
      return tcf.shift() ?? null;
    },
    async visibleText() {
      return options.text ?? { url: 'about:blank', text: '' };
    },
    async clickables() {
      return options.ui?.clickables(path) ?? [];
    },
    async showsPrivacyPolicy() {
      return options.ui?.policyAt(path) ?? false;
    },
    async drainEvents() {
      const drained = events;
      events = [];
      return drained;
    },
    async requestInitiators() {
      return [];
    },
    async attemptedRequests() {
      return [...(options.attempted ?? [])];
    },
    async background() {
      calls.push('background');
      await options.onAction?.('background', '');
    },
    async foreground() {
      calls.push('foreground');
      await options.onAction?.('foreground', '');
    },
    async storage() {
      return { cookies: [], origins: [] };
    },
    async close() {
      calls.push('close');
    },
  };
}
