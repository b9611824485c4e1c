import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import {
  ConformanceError,
  ErrorCodes,
  type ApiEvent,
  type DeviceSession,
  type RequestInitiator,
  type SessionOptions,
  type StorageSnapshot,
} from '@conformance/core';
import { webCapabilities } from './chromium.js';
import { connect, elementActions } from './webdriver-common.js';
import { killProcessesMatching } from './processes.js';
import type { DeviceProfile } from './devices.js';
import keywords from './data/ui-keywords.json' with { type: 'json' };
import { EVENTS_KEY, instrumentationScript } from './instrumentation.js';
import { probeClickables, probeDialog, probePolicyShown, probeStorage } from './page-probes.js';

export interface WebSessionOptions extends SessionOptions {
  /** The WebDriver endpoint: a local Appium server or a remote grid/device farm. */
  appiumUrl: string;
  device: DeviceProfile;
  /** How long tap/type wait for their element before failing. */
  selectorTimeoutMs?: number;
}

/** The fields of Network.requestWillBeSent this driver reads. */
interface PerformanceParams {
  request: { url: string; method: string };
  wallTime: number;
  initiator: {
    type: string;
    url?: string;
    stack?: { callFrames: { url: string }[]; parent?: { callFrames: { url: string }[] } };
  };
}

/** What the session does so the app cannot tell it is automated; recorded in the evidence. */
export const STEALTH_MEASURES = [
  'navigator.webdriver reads false (Blink feature AutomationControlled disabled)',
  'the enable-automation switch and its info bar are excluded',
  'the user agent is the emulated device’s, without a headless marker',
] as const;

/**
 * Opens a fresh Chromium (empty profile) through Appium, instrumented before any page
 * script runs; the profile is deleted at close.
 */
export async function openWebSession(options: WebSessionOptions): Promise<DeviceSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), `conformance-profile-${process.pid}-`));
  const endpoint = new URL(options.appiumUrl);
  let browser: WebdriverIO.Browser;
  try {
    browser = await connect(
      options.appiumUrl,
      {
        ...webCapabilities({ proxyUrl: options.proxyUrl, userDataDir, device: options.device }),
        // chromedriver's default port (9515) is shared: a second run on the machine would kill
        // this run's chromedriver ("pkill -f chromedriver.*--port=9515") before starting its own.
        ...(endpoint.hostname === '127.0.0.1' ? { 'appium:chromedriverPort': await getPort({ host: '127.0.0.1' }) } : {}),
      },
      'run "conformance doctor"; Chromium and chromedriver must be installed and of the same version',
    );
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const sessionUrl = new URL(`session/${browser.sessionId}/`, endpoint.href.endsWith('/') ? endpoint.href : `${endpoint.href}/`);
  const cdp = async (cmd: string, params: Record<string, unknown> = {}) => {
    const response = await fetch(new URL('goog/cdp/execute', sessionUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd, params }),
    });
    const body = (await response.json()) as { value: unknown };
    if (!response.ok) {
      const value = body.value as { message?: string } | undefined;
      throw new Error(`${cmd}: ${(value?.message ?? JSON.stringify(body.value)).split('\n')[0]}`);
    }
    return body.value as Record<string, unknown>;
  };
  try {
    await cdp('Page.addScriptToEvaluateOnNewDocument', { source: instrumentationScript({ gpc: options.gpc }) });
    await cdp('Network.enable');
    await cdp('Emulation.setTimezoneOverride', { timezoneId: options.device.timezone });
    await cdp('Emulation.setLocaleOverride', { locale: options.device.locale });
    if (options.gpc) await cdp('Network.setExtraHTTPHeaders', { headers: { 'Sec-GPC': '1' } });
    if (options.geolocation) {
      await cdp('Emulation.setGeolocationOverride', options.geolocation);
      // Browsers offer geolocation to secure origins only; an http app simply cannot have it.
      if (options.origin.startsWith('https:')) {
        await cdp('Browser.grantPermissions', { permissions: ['geolocation'], origin: options.origin });
      }
    }
  } catch (error) {
    await browser.deleteSession().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true });
    throw new ConformanceError(
      ErrorCodes.SESSION_FAILED,
      `could not prepare the browser through DevTools: ${(error as Error).message}`,
      {
        hint: 'the WebDriver endpoint must support the goog/cdp/execute command (Appium with appium-chromium-driver does)',
        cause: error,
      },
    );
  }

  const actions = elementActions(
    browser,
    options.selectorTimeoutMs ?? 10_000,
    'check the selector in the app manifest against the app',
  );
  const initiators: RequestInitiator[] = [];
  let closed = false;

  return {
    stealth: STEALTH_MEASURES,
    async launch(target) {
      await browser.url(target);
    },
    async relaunch(target) {
      await browser.url('about:blank');
      await browser.url(target);
    },
    ...actions,
    async inspectDialog(dialog, reject, policyLink) {
      return browser.execute(probeDialog, dialog, reject ?? null, policyLink ?? null, keywords.reject, keywords.policy);
    },
    async clickables() {
      return browser.execute(probeClickables);
    },
    async showsPrivacyPolicy() {
      return browser.execute(probePolicyShown, keywords.policy);
    },
    async drainEvents() {
      return browser.execute((key: string) => {
        const buffer = (window as unknown as Record<string, ApiEvent[] | undefined>)[key];
        return buffer ? buffer.splice(0) : [];
      }, EVENTS_KEY);
    },
    async requestInitiators() {
      const entries = (await browser.getLogs('performance')) as { message: string }[];
      for (const entry of entries) {
        const message = JSON.parse(entry.message).message as { method: string; params: PerformanceParams };
        if (message.method !== 'Network.requestWillBeSent') continue;
        const { request, initiator, wallTime } = message.params;
        if (!/^https?:/.test(request.url)) continue;
        const frames = [...(initiator.stack?.callFrames ?? []), ...(initiator.stack?.parent?.callFrames ?? [])];
        initiators.push({
          url: request.url,
          method: request.method,
          at: Math.round(wallTime * 1000),
          type: initiator.type,
          script: frames.find((frame) => frame.url)?.url ?? initiator.url ?? null,
        });
      }
      return [...initiators];
    },
    async storage(): Promise<StorageSnapshot> {
      const cookies = ((await cdp('Network.getAllCookies')).cookies ?? []) as {
        name: string;
        value: string;
        domain: string;
        path: string;
      }[];
      const origin = await browser.execute(probeStorage);
      return {
        cookies: cookies.map(({ name, value, domain, path }) => ({ name, value, domain, path })),
        origins: origin.origin.startsWith('http') ? [origin] : [],
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // A frozen page can keep the driver from quitting the browser: past a deadline the
        // browser processes of this session's own profile are killed, and the session is
        // ended again, so nothing is left running.
        const ended = await settlesWithin(browser.deleteSession(), 10_000);
        if (!ended) {
          await killProcessesMatching(`--user-data-dir=${userDataDir}`);
          await settlesWithin(browser.deleteSession(), 10_000);
        }
      } finally {
        await killProcessesMatching(`--user-data-dir=${userDataDir}`);
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether the promise settled (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
