/**
 * Ports: what the runner needs from a device session. Drivers implement it; tests use
 * the fake in @conformance/testing.
 */
import type { AppManifest } from './manifest.js';
import type { ApiEvent, AttemptedRequest, ControlSource, DialogFacts, RequestInitiator, StorageSnapshot } from './evidence.js';

/** A visible control the policy exploration can tap, with a selector that finds it again. */
export interface Clickable {
  selector: string;
  text: string;
}

export interface DeviceSession {
  /** Opens the app (web: navigates to its entry URL). */
  launch(url: string): Promise<void>;
  /** Waits up to `timeoutMs` for the element to be displayed; false when it never is. */
  waitForDisplayed(selector: string, timeoutMs: number): Promise<boolean>;
  tap(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  /** Writes a PNG screenshot to `file`. */
  screenshot(file: string): Promise<void>;
  /** Restarts the app in the same profile (state kept), like a person reopening it. */
  relaunch(url: string): Promise<void>;
  /**
   * Sends the app to the background the way a person leaving it would (web: the page becomes
   * hidden and loses focus; Android: HOME; iOS: the app is backgrounded). The app keeps running.
   */
  background(): Promise<void>;
  /** Brings the app back from the background (web: the page is visible and focused again). */
  foreground(): Promise<void>;
  /** Facts about the consent dialog as it is displayed now (screenshot excluded). */
  inspectDialog(
    dialog: string,
    reject: string | undefined,
    policyLink: string | undefined,
  ): Promise<Omit<DialogFacts, 'screenshot'>>;
  /** Visible links, buttons and menu items, for exploring the UI. */
  clickables(): Promise<Clickable[]>;
  /** Whether any visible heading or dialog reads like a privacy policy. */
  showsPrivacyPolicy(): Promise<boolean>;
  /** Sensitive API reads and permission requests since the last call. */
  drainEvents(): Promise<ApiEvent[]>;
  /** Which script started each request so far. */
  requestInitiators(): Promise<RequestInitiator[]>;
  /** Requests the browser stopped before they left it (mixed content, CORS, CSP …), so far. */
  attemptedRequests(): Promise<AttemptedRequest[]>;
  /**
   * What this session can record besides traffic: API events (the web instrumentation) and the
   * browser's network log (initiators, attempted requests). Where one is false, an empty list
   * from it proves nothing, and the evidence says so.
   */
  readonly instrumentation: { apiEvents: boolean; networkLog: boolean };
  /** Cookies and web storage of every origin visited. */
  storage(): Promise<StorageSnapshot>;
  /** Automation tells this session hides from the app. */
  readonly stealth: readonly string[];
  close(): Promise<void>;
}

/** How a scenario wants its session prepared. */
export interface SessionOptions {
  proxyUrl: string;
  /** Send Sec-GPC: 1 and define navigator.globalPrivacyControl = true before any page script. */
  gpc: boolean;
  /** Planted position, granted to the app's origin. */
  geolocation?: { latitude: number; longitude: number; accuracy: number };
  /** The app's origin, for permission grants. */
  origin: string;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface CaptureSummary {
  ready: boolean;
  journaled: number;
  streamed: number;
  /** Records in the journal that never arrived on the stream (ids). */
  missingFromStream: string[];
  /** Set when the proxy ended on its own before it was asked to stop. */
  proxyExit?: string;
  journalTruncated: boolean;
}

/** A running interception proxy that journals every flow of one scenario. */
export interface RunningProxy {
  port: number;
  /** The proxy's process id, when it runs as a process of its own. */
  pid?: number;
  /** `http://127.0.0.1:PORT`, the address to give a device. */
  url: string;
  /** Records streamed so far. */
  readonly streamed: readonly import('./evidence.js').ProxyRecord[];
  /** Rejects with CONF_PROXY_CRASHED if the proxy dies before stop(); never settles otherwise. */
  readonly crashed: Promise<never>;
  stop(): Promise<CaptureSummary>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Port for device tooling (adb, xcrun): the real one runs processes, tests use a fake. */
export interface CommandRunner {
  run(command: string, args: readonly string[]): Promise<CommandResult>;
}

/** A consent control found on screen, with how it was found. */
export interface LocatedControl {
  selector: string;
  found: ControlSource;
}

export type ConsentChoice = 'accept' | 'reject';

/**
 * Port: finds the consent dialog and its controls. The scenario engine asks it instead of
 * reading selectors itself, so manifest selectors, CMP rules or keyword heuristics can answer.
 */
export interface ConsentLocator {
  /** The dialog, waiting up to `timeoutMs` for it; null when none is shown. */
  dialog(session: DeviceSession, timeoutMs: number): Promise<LocatedControl | null>;
  /** The control that makes `choice` in the shown dialog; null when the dialog offers none. */
  control(session: DeviceSession, choice: ConsentChoice): Promise<LocatedControl | null>;
  /** The dialog's link to the privacy policy, when it has one. */
  policyLink(session: DeviceSession): Promise<LocatedControl | null>;
}

/** The locator that reads the manifest's `consent` selectors: what the manifest says always wins. */
export function manifestConsentLocator(manifest: Pick<AppManifest, 'consent'>): ConsentLocator {
  const source: ControlSource = { method: 'manifest' };
  const located = (selector: string | undefined) => (selector ? { selector, found: source } : null);
  return {
    async dialog(session, timeoutMs) {
      const selector = manifest.consent.dialog;
      return (await session.waitForDisplayed(selector, timeoutMs)) ? { selector, found: source } : null;
    },
    async control(_session, choice) {
      return located(choice === 'accept' ? manifest.consent.accept : manifest.consent.reject);
    },
    async policyLink() {
      return located(manifest.consent.policyLink);
    },
  };
}
