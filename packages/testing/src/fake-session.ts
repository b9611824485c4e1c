import { writeFile } from 'node:fs/promises';
import type { DeviceSession } from '@conformance/core';

export interface FakeSessionOptions {
  /** Selectors that are displayed; others never appear. */
  displayed?: string[];
  /** Called on every launch/tap, e.g. to simulate the app's requests. */
  onAction?: (action: string, target: string) => void | Promise<void>;
}

/** An in-memory device session that records the calls made on it. */
export function createFakeSession(options: FakeSessionOptions = {}): DeviceSession & { calls: string[] } {
  const displayed = new Set(options.displayed ?? []);
  const calls: string[] = [];
  const need = (selector: string) => {
    if (!displayed.has(selector)) throw new Error(`no element ${selector}`);
  };
  return {
    calls,
    async launch(url) {
      calls.push(`launch ${url}`);
      await options.onAction?.('launch', url);
    },
    async waitForDisplayed(selector) {
      calls.push(`wait ${selector}`);
      return displayed.has(selector);
    },
    async tap(selector) {
      calls.push(`tap ${selector}`);
      need(selector);
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
    async close() {
      calls.push('close');
    },
  };
}
