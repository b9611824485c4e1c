/**
 * Ports: what the runner needs from a device session. Drivers implement it; tests use
 * the fake in @conformance/testing.
 */
import type { ApiEvent, DialogFacts, RequestInitiator, StorageSnapshot } from './evidence.js';

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
