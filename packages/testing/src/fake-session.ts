import { writeFile } from 'node:fs/promises';
import type { ApiEvent, Clickable, DeviceSession, DialogFacts } from '@conformance/core';

export interface FakeSessionOptions {
  /** Selectors that are displayed; others never appear. */
  displayed?: string[];
  /** Called on every launch/relaunch/tap, e.g. to simulate the app's requests. */
  onAction?: (action: string, target: string) => void | Promise<void>;
  /** What inspectDialog reports. */
  dialog?: Omit<DialogFacts, 'screenshot'>;
  /** API events the app "makes"; drained once. */
  events?: ApiEvent[];
  /** Screens of the UI: which controls are visible after a given tap path, and where the policy is. */
  ui?: { clickables: (path: string[]) => Clickable[]; policyAt: (path: string[]) => boolean };
}

/** An in-memory device session that records the calls made on it. */
export function createFakeSession(options: FakeSessionOptions = {}): DeviceSession & { calls: string[] } {
  const displayed = new Set(options.displayed ?? []);
  const calls: string[] = [];
  let events = [...(options.events ?? [])];
  let path: string[] = [];
  const need = (selector: string) => {
    if (!displayed.has(selector) && !options.ui?.clickables(path).some((c) => c.selector === selector)) {
      throw new Error(`no element ${selector}`);
    }
  };
  return {
    calls,
    stealth: ['fake'],
    async launch(url) {
      calls.push(`launch ${url}`);
      path = [];
      await options.onAction?.('launch', url);
    },
    async relaunch(url) {
      calls.push(`relaunch ${url}`);
      path = [];
      await options.onAction?.('relaunch', url);
    },
    async waitForDisplayed(selector) {
      calls.push(`wait ${selector}`);
      return displayed.has(selector) || (options.ui?.clickables(path).some((c) => c.selector === selector) ?? false);
    },
    async tap(selector) {
      calls.push(`tap ${selector}`);
      need(selector);
      // Only taps on the modelled UI move between its screens.
      if (options.ui?.clickables(path).some((c) => c.selector === selector)) path.push(selector);
      await options.onAction?.('tap', selector);
    },
    async type(selector, text) {
      calls.push(`type ${selector} ${text}`);
      need(selector);
    },
    async screenshot(file) {
      calls.push(`screenshot ${file}`);
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
    async storage() {
      return { cookies: [], origins: [] };
    },
    async close() {
      calls.push('close');
    },
  };
}
