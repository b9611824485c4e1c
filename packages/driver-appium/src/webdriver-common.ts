// Types only at load: WebdriverIO is loaded when the first session opens, so commands that
// never drive a device (analyze, verify, report, summary) start without it.
import type {} from 'webdriverio';
import { ConformanceError, ErrorCodes, type DeviceSession } from '@conformance/core';

/** Opens a WebDriver session on an endpoint URL (local Appium, a grid, a device farm). */
export async function connect(
  endpoint: string,
  capabilities: WebdriverIO.Capabilities,
  hint: string,
): Promise<WebdriverIO.Browser> {
  const url = new URL(endpoint);
  const { remote } = await import('webdriverio');
  try {
    return await remote({
      protocol: url.protocol.replace(':', ''),
      hostname: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      path: url.pathname,
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities,
    });
  } catch (error) {
    throw new ConformanceError(ErrorCodes.SESSION_FAILED, `Appium could not open a session: ${(error as Error).message}`, {
      hint,
      cause: error,
    });
  }
}

/** The element actions every platform shares: WebdriverIO selectors, a deadline, a clear error naming the selector. */
export function elementActions(
  browser: WebdriverIO.Browser,
  selectorTimeoutMs: number,
  selectorHint: string,
): Pick<DeviceSession, 'waitForDisplayed' | 'tap' | 'type' | 'screenshot'> & {
  waitForGone(selector: string, timeoutMs: number): Promise<boolean>;
} {
  const element = async (selector: string) => {
    const found = browser.$(selector);
    try {
      await found.waitForDisplayed({ timeout: selectorTimeoutMs });
    } catch (error) {
      throw new ConformanceError(
        ErrorCodes.SELECTOR_NOT_FOUND,
        `no displayed element matches "${selector}" after ${selectorTimeoutMs} ms`,
        {
          hint: selectorHint,
          cause: error,
        },
      );
    }
    return found;
  };
  return {
    async waitForDisplayed(selector, timeoutMs) {
      try {
        await browser.$(selector).waitForDisplayed({ timeout: timeoutMs });
        return true;
      } catch {
        return false;
      }
    },
    async tap(selector) {
      await (await element(selector)).click();
    },
    async waitForGone(selector, timeoutMs) {
      try {
        await browser.$(selector).waitForDisplayed({ timeout: Math.max(timeoutMs, 1), reverse: true });
        return true;
      } catch {
        return false;
      }
    },
    async type(selector, text) {
      await (await element(selector)).setValue(text);
    },
    async screenshot(file) {
      await browser.saveScreenshot(file);
    },
  };
}
