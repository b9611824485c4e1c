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
  type GpcSignal,
  type SessionOptions,
  type StorageSnapshot,
} from '@conformance/core';
import { webCapabilities } from './chromium.js';
import { connect, elementActions } from './webdriver-common.js';
import { killProcessesMatching, killProcessesMatchingSync } from './processes.js';
import type { DeviceProfile } from './devices.js';
import keywords from './data/ui-keywords.json' with { type: 'json' };
import { EVENTS_KEY, gpcSignal as gpcRecord, instrumentationScript } from './instrumentation.js';
import { probeClickables, probeDialog, probePolicyShown, probeStorage } from './page-probes.js';
import { createNetworkLog } from './network-log.js';
import { AutoconsentHost, autoconsentPageScript, autoconsentRules } from './consent/autoconsent.js';
import { FRAME_MIN_AREA, FRAMES_MAX, inFrameSelector, splitFrameSelector } from './consent/frames.js';
import { chooseConsent, locateConsent, type ConsentFrame, type ConsentPage } from './consent/locate.js';
import { toControlMeasure } from './consent/measure.js';
import {
  OUTLINE_MARK,
  outlineElements,
  probeConsentSnapshot,
  probeControl,
  probeDisplayed,
  probeFrameBox,
  probeFrames,
  probeVisibleText,
} from './consent/page-scripts.js';
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
  const frames = frameAccess(browser, options.device.touch, options.selectorTimeoutMs ?? 10_000);
  const network = createNetworkLog();
  const readNetworkLog = async () => network.add((await browser.getLogs('performance')) as { message: string }[]);
  /** The blank tab that covers the app while it is in the background. */
  let cover: string | undefined;
  let appTarget: string | undefined;
  let closed = false;
  // Element actions that also take `<iframe> |> <selector>` (controls found inside an iframe).
  const framedActions = {
    ...actions,
    waitForDisplayed: (selector: string, timeoutMs: number) =>
      splitFrameSelector(selector).frame
        ? frames.waitForDisplayed(selector, timeoutMs)
        : actions.waitForDisplayed(selector, timeoutMs),
    waitForGone: (selector: string, timeoutMs: number) =>
      splitFrameSelector(selector).frame ? frames.waitForGone(selector, timeoutMs) : actions.waitForGone(selector, timeoutMs),
    tap: (selector: string) => (splitFrameSelector(selector).frame ? frames.tap(selector) : actions.tap(selector)),
    async type(selector: string, text: string) {
      if (splitFrameSelector(selector).frame) {
        throw new ConformanceError(ErrorCodes.USAGE, `typing into an element inside an iframe is not supported ("${selector}")`, {
          hint: 'type only into elements of the top document',
        });
      }
      await actions.type(selector, text);
    },
  };
  /** Each iframe's autoconsent, by iframe selector, for the document the frame shows now. */
  const frameHosts = new Map<string, { url: string; host: AutoconsentHost }>();
  const frameRules = autoconsentRules().filter((rule) => rule.runContext?.frame === true);
  const frameHost = (selector: string, url: string): AutoconsentHost => {
    const known = frameHosts.get(selector);
    if (known && known.url === url) return known.host;
    // A frame that went away answers nothing: its queue reads as absent.
    const run = <T>(script: string, ...args: unknown[]) =>
      frames.within(selector, () => browser.execute(script, ...args) as Promise<T>).catch(() => null as T);
    const host = new AutoconsentHost(run, frameRules, {
      mainFrame: false,
      inject: async () => {
        await run(autoconsentPageScript());
      },
    });
    frameHosts.set(selector, { url, host });
    return host;
  };
  const consentPage: ConsentPage = {
    snapshot: () => browser.execute(probeConsentSnapshot),
    waitForDisplayed: framedActions.waitForDisplayed,
    exists: (selector) => {
      const { frame, inner } = splitFrameSelector(selector);
      const exists = () =>
        browser.execute((css: string) => {
          try {
            return document.querySelector(css) !== null;
          } catch {
            return false;
          }
        }, inner);
      return frame ? frames.within(frame, exists).catch(() => false) : exists();
    },
    tap: framedActions.tap,
    waitForGone: framedActions.waitForGone,
    async measure(selector, tapsAway) {
      const { frame, inner } = splitFrameSelector(selector);
      const probe = () => browser.execute(probeControl, inner);
      const raw = await (frame ? frames.within(frame, probe) : probe()).catch(() => null);
      return raw ? toControlMeasure(selector, raw, tapsAway) : undefined;
    },
    autoconsent: new AutoconsentHost(<T>(script: string, ...args: unknown[]) => browser.execute(script, ...args) as Promise<T>),
    async frames(): Promise<ConsentFrame[]> {
      const listed = await browser.execute(probeFrames, FRAME_MIN_AREA, FRAMES_MAX).catch(() => []);
      return listed.map((frame) => ({
        selector: frame.selector,
        origin: frame.origin,
        snapshot: () =>
          frames
            .within(frame.selector, () => browser.execute(probeConsentSnapshot))
            .catch(() => ({ viewport: { width: 0, height: 0 }, controls: [], containers: [] })),
        autoconsent: frameHost(frame.selector, frame.url),
      }));
    },
    frameAutoconsent: (selector) => frameHosts.get(selector)?.host,
  };

  /** With GPC on: what the browser was told and what the app's first document read back. */
  let gpcSignal: GpcSignal | undefined;
  return {
    stealth: STEALTH_MEASURES,
    instrumentation: { apiEvents: true, networkLog: true },
    get gpcSignal() {
      return gpcSignal;
    },
    async launch(target) {
      await browser.url(target);
      if (options.gpc && gpcSignal === undefined) {
        // The signal counts only as the page sees it: a pass is never claimed on a signal that did not take.
        const readBack = await browser.execute('return navigator.globalPrivacyControl;').catch(() => undefined);
        gpcSignal = gpcRecord('browser', readBack === true);
        if (readBack !== true) {
          throw new ConformanceError(
            ErrorCodes.GPC_NOT_APPLIED,
            `Global Privacy Control did not take in the browser: navigator.globalPrivacyControl read back as ${JSON.stringify(readBack) ?? 'undefined'} on ${target}`,
            { hint: 'the WebDriver endpoint must run the DevTools commands that set it (Appium with appium-chromium-driver does)' },
          );
        }
      }
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
    ...framedActions,
    async screenshot(file, outline) {
      if (!outline?.length) return actions.screenshot(file);
      // Outlined in the document each control is in (the top one, or its iframe).
      const byFrame = new Map<string | undefined, string[]>();
      for (const selector of outline) {
        const { frame, inner } = splitFrameSelector(selector);
        byFrame.set(frame, [...(byFrame.get(frame) ?? []), inner]);
      }
      // One document at a time: which frame commands go to is a state of the session.
      const mark = async (on: boolean) => {
        for (const [frame, inners] of byFrame) {
          const run = () => browser.execute(outlineElements, on ? JSON.stringify(inners) : '[]', on, OUTLINE_MARK);
          await (frame ? frames.within(frame, run).catch(() => 0) : run());
        }
      };
      await mark(true);
      try {
        await actions.screenshot(file);
      } finally {
        await mark(false);
      }
    },
    async inspectDialog(dialog, reject, policyLink, accept) {
      // Dialog, policy link and reject are looked for in the document the dialog is in.
      const { frame } = splitFrameSelector(dialog);
      const inner = (selector: string | undefined) => (selector === undefined ? null : splitFrameSelector(selector).inner);
      const probe = async () => {
        const facts = await browser.execute(
          probeDialog,
          inner(dialog)!,
          inner(reject),
          inner(policyLink),
          keywords.reject,
          keywords.policy,
        );
        const text = facts.shown
          ? await browser.execute(
              (selector: string, max: number) =>
                ((document.querySelector(selector) as HTMLElement | null)?.innerText ?? '').slice(0, max),
              inner(dialog)!,
              DIALOG_TEXT_MAX,
            )
          : '';
        return { facts, text };
      };
      const { facts: raw, text } = frame ? await frames.within(frame, probe) : await probe();
      const facts = { ...raw, rejectSelector: raw.rejectSelector === null ? null : inFrameSelector(frame, raw.rejectSelector) };
      if (!facts.shown) return facts;
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

/**
 * Reaching elements inside an iframe (`<iframe> |> <selector>`). Cross-origin iframes are
 * separate renderer targets: scripts run there through WebDriver frame switching, always
 * switched back to the top document. Taps are real touches (or clicks) at the element's
 * position in the viewport, so the browser routes a trusted input to the frame as it would a
 * person's finger: chromedriver's element click does not reach an element of an out-of-process
 * iframe under mobile emulation.
 */
function frameAccess(browser: WebdriverIO.Browser, touch: boolean, selectorTimeoutMs: number) {
  const within = async <T>(frame: string, work: () => Promise<T>): Promise<T> => {
    const element = await browser.$(frame);
    if (!(await element.isExisting())) throw new Error(`no iframe matches "${frame}"`);
    await browser.switchFrame(element);
    try {
      return await work();
    } finally {
      await browser.switchFrame(null);
    }
  };
  /** The element's centre in the top viewport; null when the frame or the element is not shown. */
  const point = async (selector: string, scroll: boolean): Promise<{ x: number; y: number } | null> => {
    const { frame, inner } = splitFrameSelector(selector);
    if (!frame) return browser.execute(probeDisplayed, inner, scroll);
    if (!(await browser.execute(probeFrameBox, frame, scroll))) return null;
    const inside = await within(frame, () => browser.execute(probeDisplayed, inner, scroll)).catch(() => null);
    if (!inside) return null;
    // Read after scrolling inside: scrolling the frame's document may have moved the frame too.
    const box = await browser.execute(probeFrameBox, frame, false);
    return box ? { x: box.x + inside.x, y: box.y + inside.y } : null;
  };
  const until = async (test: () => Promise<boolean>, timeoutMs: number): Promise<boolean> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await test()) return true;
      if (Date.now() >= end) return false;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  return {
    within,
    waitForDisplayed: (selector: string, timeoutMs: number) =>
      until(async () => (await point(selector, false)) !== null, timeoutMs),
    waitForGone: (selector: string, timeoutMs: number) => until(async () => (await point(selector, false)) === null, timeoutMs),
    async tap(selector: string): Promise<void> {
      const shown = await until(async () => (await point(selector, false)) !== null, selectorTimeoutMs);
      const at = shown ? await point(selector, true) : null;
      if (!at) {
        throw new ConformanceError(
          ErrorCodes.SELECTOR_NOT_FOUND,
          `no displayed element matches "${selector}" after ${selectorTimeoutMs} ms`,
          {
            hint: 'check the selector in the app manifest against the app',
          },
        );
      }
      await browser
        .action('pointer', { parameters: { pointerType: touch ? 'touch' : 'mouse' } })
        .move({ x: Math.round(at.x), y: Math.round(at.y), origin: 'viewport' })
        .down()
        .up()
        .perform();
    },
  };
}

/** Whether another process listens on a loopback port (this one cannot bind it). */
export function portHeld(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
