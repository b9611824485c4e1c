import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import getPort from 'get-port';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  ConformanceError,
  ErrorCodes,
  onFreePort,
  portInUse,
  type ApiEvent,
  type DeviceSession,
  type SessionOptions,
  type StorageSnapshot,
} from '@conformance/core';
import { webCapabilities } from './chromium.js';
import { connect, elementActions } from './webdriver-common.js';
import { killProcessesMatching, killProcessesMatchingSync } from './processes.js';
import type { DeviceProfile } from './devices.js';
import keywords from './data/ui-keywords.json' with { type: 'json' };
import { EVENTS_KEY, instrumentationScript } from './instrumentation.js';
import { probeClickables, probeDialog, probePolicyShown, probeStorage } from './page-probes.js';
import { createNetworkLog } from './network-log.js';
import { AutoconsentHost, autoconsentPageScript } from './consent/autoconsent.js';
import { chooseConsent, locateConsent, type ConsentPage } from './consent/locate.js';
import { toControlMeasure } from './consent/measure.js';
import { OUTLINE_MARK, outlineElements, probeConsentSnapshot, probeControl, probeVisibleText } from './consent/page-scripts.js';
import { decodeTcString, probeTcf } from './consent/tcf.js';

export interface WebSessionOptions extends SessionOptions {
  /** The WebDriver endpoint: a local Appium server or a remote grid/device farm. */
  appiumUrl: string;
  device: DeviceProfile;
  /** How long tap/type wait for their element before failing. */
  selectorTimeoutMs?: number;
  /**
   * Picks the port chromedriver is told to listen on (a local Appium only); default a free
   * loopback port (get-port). A port taken before chromedriver binds it is given up for a new
   * pick, PORT_ATTEMPTS times in all.
   */
  pickChromedriverPort?: () => Promise<number>;
}

/** Limits of the texts kept as evidence (characters). */
const DIALOG_TEXT_MAX = 8_000;
const POLICY_TEXT_MAX = 200_000;
/** How long readTcf waits for a CMP to report a TC string. */
const TCF_WAIT_MS = 3_000;

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
  trackProfile(userDataDir);
  const endpoint = new URL(options.appiumUrl);
  let browser: WebdriverIO.Browser;
  const open = (chromedriverPort?: number) =>
    connect(
      options.appiumUrl,
      webCapabilities({
        proxyUrl: options.proxyUrl,
        userDataDir,
        device: options.device,
        ...(chromedriverPort !== undefined ? { chromedriverPort } : {}),
      }),
      'run "conformance doctor"; Chromium and chromedriver must be installed and of the same version',
    );
  try {
    // chromedriver's default port (9515) is shared: a second run on the machine would kill this
    // run's chromedriver ("pkill -f chromedriver.*--port=9515") before starting its own. So a
    // local Appium is told a free port, and another one when something else took it first.
    browser =
      endpoint.hostname === '127.0.0.1'
        ? await onFreePort(
            'chromedriver',
            options.pickChromedriverPort ?? (() => getPort({ host: '127.0.0.1' })),
            async (port) => {
              try {
                return await open(port);
              } catch (error) {
                // The failed session's chromedriver is stopped by now: a port still held is another process's.
                if (await portHeld(port)) throw portInUse('chromedriver', port, (error as Error).message.split('\n')[0]!);
                throw error;
              }
            },
          )
        : await open();
  } catch (error) {
    // chromedriver may have started the browser before the session failed (it crashed or
    // stopped answering): nothing else would ever end it.
    await removeProfile(userDataDir);
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
    // Consent-platform rules: idle until the harness answers their init, which it does only
    // when it has to find the dialog itself.
    await cdp('Page.addScriptToEvaluateOnNewDocument', { source: autoconsentPageScript() });
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
    await removeProfile(userDataDir);
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
  const network = createNetworkLog();
  const readNetworkLog = async () => network.add((await browser.getLogs('performance')) as { message: string }[]);
  /** The blank tab that covers the app while it is in the background. */
  let cover: string | undefined;
  let appTarget: string | undefined;
  let closed = false;
  const consentPage: ConsentPage = {
    snapshot: () => browser.execute(probeConsentSnapshot),
    waitForDisplayed: actions.waitForDisplayed,
    exists: (selector) =>
      browser.execute((css: string) => {
        try {
          return document.querySelector(css) !== null;
        } catch {
          return false;
        }
      }, selector),
    tap: actions.tap,
    waitForGone: actions.waitForGone,
    async measure(selector, tapsAway) {
      const raw = await browser.execute(probeControl, selector).catch(() => null);
      return raw ? toControlMeasure(selector, raw, tapsAway) : undefined;
    },
    autoconsent: new AutoconsentHost(<T>(script: string, ...args: unknown[]) => browser.execute(script, ...args) as Promise<T>),
  };

  return {
    stealth: STEALTH_MEASURES,
    instrumentation: { apiEvents: true, networkLog: true },
    async launch(target) {
      await browser.url(target);
    },
    async relaunch(target) {
      await browser.url('about:blank');
      await browser.url(target);
    },
    /**
     * A tab switch, as a person leaving the page would make: a blank tab is opened and
     * activated, so the app's page fires blur and visibilitychange (hidden) while its timers
     * keep running. It is not unloaded, so pagehide does not fire here (relaunch fires it).
     */
    async background() {
      const { targetInfo } = (await cdp('Target.getTargetInfo')) as { targetInfo: { targetId: string } };
      appTarget = targetInfo.targetId;
      const created = await cdp('Target.createTarget', { url: 'about:blank' });
      cover = created.targetId as string;
      await cdp('Target.activateTarget', { targetId: cover });
    },
    async foreground() {
      if (appTarget) await cdp('Target.activateTarget', { targetId: appTarget });
      if (cover) await cdp('Target.closeTarget', { targetId: cover }).catch(() => undefined);
      cover = undefined;
    },
    ...actions,
    async screenshot(file, outline) {
      if (!outline?.length) return actions.screenshot(file);
      await browser.execute(outlineElements, JSON.stringify(outline), true, OUTLINE_MARK);
      try {
        await actions.screenshot(file);
      } finally {
        await browser.execute(outlineElements, '[]', false, OUTLINE_MARK);
      }
    },
    async inspectDialog(dialog, reject, policyLink, accept) {
      const facts = await browser.execute(
        probeDialog,
        dialog,
        reject ?? null,
        policyLink ?? null,
        keywords.reject,
        keywords.policy,
      );
      if (!facts.shown) return facts;
      const text = await browser.execute(
        (selector: string, max: number) =>
          ((document.querySelector(selector) as HTMLElement | null)?.innerText ?? '').slice(0, max),
        dialog,
        DIALOG_TEXT_MAX,
      );
      const acceptMeasure = accept ? await consentPage.measure(accept, 0) : undefined;
      const rejectMeasure = facts.rejectSelector ? await consentPage.measure(facts.rejectSelector, 0) : undefined;
      return {
        ...facts,
        text,
        controls: { ...(acceptMeasure ? { accept: acceptMeasure } : {}), ...(rejectMeasure ? { reject: rejectMeasure } : {}) },
      };
    },
    locateConsent: (manifest, timeoutMs) => locateConsent(consentPage, manifest, timeoutMs),
    chooseConsent: (choice, location) => chooseConsent(consentPage, choice, location),
    async readTcf() {
      // After a choice the CMP may take a moment to store the new string.
      const end = Date.now() + TCF_WAIT_MS;
      for (;;) {
        const raw = await browser.execute(probeTcf, 2_000);
        if (raw === null) return null;
        if (raw.tcString && raw.eventStatus !== 'cmpuishown') return decodeTcString(raw.tcString);
        if (Date.now() >= end) return null;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async visibleText() {
      return browser.execute(probeVisibleText, POLICY_TEXT_MAX);
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
      await readNetworkLog();
      return [...network.initiators];
    },
    async attemptedRequests() {
      await readNetworkLog();
      return [...network.attempted];
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
        await removeProfile(userDataDir);
      }
    },
  };
}

/**
 * Browser profiles of sessions not closed yet. A process that exits before closing them (a
 * second Ctrl-C forces the exit) still kills their browsers and deletes them, in an `exit`
 * handler: a temporary profile never outlives the run.
 */
const openProfiles = new Set<string>();
let exitHandler: (() => void) | undefined;

function trackProfile(userDataDir: string): void {
  openProfiles.add(userDataDir);
  exitHandler ??= () => {
    for (const dir of openProfiles) {
      killProcessesMatchingSync(`--user-data-dir=${dir}`);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  if (!process.listeners('exit').includes(exitHandler)) process.on('exit', exitHandler);
}

/** Ends the browser processes of a profile and deletes it. */
async function removeProfile(userDataDir: string): Promise<void> {
  await killProcessesMatching(`--user-data-dir=${userDataDir}`);
  await rm(userDataDir, { recursive: true, force: true });
  openProfiles.delete(userDataDir);
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

/** Whether another process listens on a loopback port (this one cannot bind it). */
export function portHeld(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
