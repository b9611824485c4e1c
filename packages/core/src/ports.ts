/**
 * Ports: what the runner needs from a device session. Drivers implement it; tests use
 * the fake in @conformance/testing.
 */
export interface DeviceSession {
  /** Opens the app (web: navigates to its entry URL). */
  launch(url: string): Promise<void>;
  /** Waits up to `timeoutMs` for the element to be displayed; false when it never is. */
  waitForDisplayed(selector: string, timeoutMs: number): Promise<boolean>;
  tap(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  /** Writes a PNG screenshot to `file`. */
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
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
