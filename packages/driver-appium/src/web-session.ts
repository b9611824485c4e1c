import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';
import { ConformanceError, ErrorCodes, type DeviceSession } from '@conformance/core';
import { webCapabilities } from './chromium.js';

export interface WebSessionOptions {
  appiumUrl: string;
  proxyUrl: string;
  device: string;
  /** How long tap/type wait for their element before failing. */
  selectorTimeoutMs?: number;
}

/** Opens a fresh Chromium (empty profile) through Appium; the profile is deleted at close. */
export async function openWebSession(options: WebSessionOptions): Promise<DeviceSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'conformance-profile-'));
  const url = new URL(options.appiumUrl);
  let browser: WebdriverIO.Browser;
  try {
    browser = await remote({
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: webCapabilities({ proxyUrl: options.proxyUrl, userDataDir, device: options.device }),
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new ConformanceError(
      ErrorCodes.SESSION_FAILED,
      `Appium could not open a Chromium session: ${(error as Error).message}`,
      {
        hint: 'run "conformance doctor"; Chromium and chromedriver must be installed and of the same version',
        cause: error,
      },
    );
  }
  const selectorTimeout = options.selectorTimeoutMs ?? 10_000;

  const element = async (selector: string) => {
    const found = browser.$(selector);
    try {
      await found.waitForDisplayed({ timeout: selectorTimeout });
    } catch (error) {
      throw new ConformanceError(
        ErrorCodes.SELECTOR_NOT_FOUND,
        `no displayed element matches "${selector}" after ${selectorTimeout} ms`,
        {
          hint: 'check the selector in the app manifest against the app',
          cause: error,
        },
      );
    }
    return found;
  };

  let closed = false;
  return {
    async launch(target) {
      await browser.url(target);
    },
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
    async type(selector, text) {
      await (await element(selector)).setValue(text);
    },
    async screenshot(file) {
      await browser.saveScreenshot(file);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await browser.deleteSession();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
