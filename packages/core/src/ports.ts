/**
 * Ports: what the runner needs from a device session. Drivers implement it; tests use
 * the fake in @conformance/testing.
 */
import type { ConsentSelectors } from './manifest.js';
import type {
  ApiEvent,
  AttemptedRequest,
  ControlMeasure,
  ControlSource,
  DialogFacts,
  GpcSignal,
  RequestInitiator,
  ScenarioRecord,
  StorageSnapshot,
} from './evidence.js';

/** A visible control the policy exploration can tap, with a selector that finds it again. */
export interface Clickable {
  selector: string;
  text: string;
}

/** One thing the consent search looked at, with its score (0–1), for a person to write selectors from. */
export interface ConsentCandidate {
  role: 'dialog' | 'accept' | 'reject' | 'settings';
  selector: string;
  text: string;
  score: number;
}

/**
 * Where the consent dialog and its controls are, and how each was found: the manifest's
 * selectors, a consent-management platform's rule (`cmp`), or keyword heuristics.
 */
export interface ConsentLocation {
  /** A dialog with an accept control was found (with the manifest: its dialog is displayed). */
  found: boolean;
  dialog?: string;
  accept?: string;
  /** Absent when the first layer offers no reject control. */
  reject?: string;
  /** A "settings / more options" control that may lead to a reject control. */
  settings?: string;
  policyLink?: string;
  sources: { dialog?: ControlSource; accept?: ControlSource; reject?: ControlSource };
  /** The autoconsent rule that recognised the dialog; choices then run that rule's opt-in/opt-out steps. */
  cmp?: string;
  /**
   * The iframe the dialog lives in, when it is not in the top document. Its selectors (dialog,
   * accept, reject, settings) are then written `<iframe selector> |> <selector in the frame>`.
   */
  frame?: { selector: string; origin: string };
  candidates: ConsentCandidate[];
}

/** What a consent choice tapped: the control, the taps needed to reveal it, and its measure where taken. */
export interface ConsentChoice {
  selector: string;
  /** Taps through "settings / more options" before the control was visible (0 = first layer). */
  tapsAway: number;
  source: ControlSource;
  measure?: ControlMeasure;
  /** The dialog was still shown after the first tap, so the control was tapped once more. */
  retapped?: boolean;
  /**
   * A CMP rule ran in an iframe that the page removed (the dialog closed) before the rule
   * could report its result: the choice is taken as made because its dialog is gone.
   */
  frameClosed?: boolean;
}

/** The IAB TCF consent signal the CMP reports through `__tcfapi`, decoded. */
export type TcfReading = Omit<NonNullable<ScenarioRecord['tcf']>[number], 'after' | 'at'>;

export interface DeviceSession {
  /** Opens the app (web: navigates to its entry URL). */
  launch(url: string): Promise<void>;
  /** Waits up to `timeoutMs` for the element to be displayed; false when it never is. */
  waitForDisplayed(selector: string, timeoutMs: number): Promise<boolean>;
  tap(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  /** Writes a PNG screenshot to `file`; on the web, elements matching `outline` are outlined in it. */
  screenshot(file: string, outline?: readonly string[]): Promise<void>;
  /** Restarts the app in the same profile (state kept), like a person reopening it. */
  relaunch(url: string): Promise<void>;
  /**
   * Sends the app to the background the way a person leaving it would (web: the page becomes
   * hidden and loses focus; Android: HOME; iOS: the app is backgrounded). The app keeps running.
   */
  background(): Promise<void>;
  /** Brings the app back from the background (web: the page is visible and focused again). */
  foreground(): Promise<void>;
  /**
   * Facts about the consent dialog as it is displayed now (screenshot and `found` excluded):
   * its text, and the measures of the accept and reject controls where given.
   */
  inspectDialog(
    dialog: string,
    reject: string | undefined,
    policyLink: string | undefined,
    accept?: string,
  ): Promise<Omit<DialogFacts, 'screenshot' | 'found'>>;
  /**
   * Finds the consent dialog within `timeoutMs`: the manifest's selectors when given (they
   * always win), else a consent-management platform's rule (web), else keyword heuristics.
   * `found: false` with the candidates seen when nothing is found with confidence.
   */
  locateConsent(manifest: ConsentSelectors | undefined, timeoutMs: number): Promise<ConsentLocation>;
  /**
   * Accepts or refuses: through the CMP rule's own steps when the dialog was found by one,
   * else by tapping the control (for reject, through the settings control when the first
   * layer has none). Undefined when there is no control to make that choice with.
   */
  chooseConsent(choice: 'accept' | 'reject', location: ConsentLocation): Promise<ConsentChoice | undefined>;
  /** The IAB TCF signal the page's `__tcfapi` reports now; null when there is no TCF API. */
  readTcf(): Promise<TcfReading | null>;
  /** The current page's URL and visible text (web), or the screen's text (native). */
  visibleText(): Promise<{ url: string; text: string }>;
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
  /**
   * Set when the session put Global Privacy Control inside a native app's web view: the context,
   * what was set and what was read back (the web session sets it in the browser and omits this).
   */
  readonly gpcSignal?: GpcSignal;
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
