import { ConformanceError, ErrorCodes, type GpcSignal } from '@conformance/core';
import { GPC_SCRIPT, gpcSignal } from './instrumentation.js';

/** What setting GPC in a web view needs from the WebDriver session (a WebdriverIO browser on Appium, or a fake). */
export interface WebViewClient {
  /** Appium contexts: `NATIVE_APP` and one `WEBVIEW_<…>` per debuggable web view. */
  getContexts(): Promise<string[]>;
  switchContext(name: string): Promise<void>;
  /** A DevTools command through chromedriver's passthrough (`POST /session/:id/goog/cdp/execute`). */
  cdp(cmd: string, params: Record<string, unknown>): Promise<unknown>;
  /** Runs a script in the current context and returns its value. */
  execute(script: string): Promise<unknown>;
  /** Reloads the current web view. */
  refresh(): Promise<void>;
}

export interface WebViewGpcOptions {
  platform: 'android' | 'ios';
  /** The app's package name: its web view's context is usually `WEBVIEW_<package>`. */
  appId: string;
  /** The context the manifest names (`webView: { context }`), when the app has several web views. */
  context?: string;
  /** How long to wait for the web view's context to appear. Default 20 s. */
  timeoutMs?: number;
  /** Between two looks at the contexts. Default 500 ms. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const WEBVIEW_DEBUGGING_HINT =
  'the app must call WebView.setWebContentsDebuggingEnabled(true) in its test build (a debuggable web view) and show its web view at launch';

const notApplied = (message: string, hint: string, cause?: unknown) =>
  new ConformanceError(ErrorCodes.GPC_NOT_APPLIED, message, cause === undefined ? { hint } : { hint, cause });

/**
 * Puts Global Privacy Control inside a native app's web view, the way the web session does in
 * the browser: waits (bounded) for the web view's Appium context, switches to it, sends
 * `Sec-GPC: 1` on every request (Network.setExtraHTTPHeaders) and defines
 * navigator.globalPrivacyControl before any page script (Page.addScriptToEvaluateOnNewDocument)
 * through chromedriver's DevTools passthrough, reloads the web view so its first document has
 * both, and reads navigator.globalPrivacyControl back. It ends in NATIVE_APP again, so the
 * scenario's native selectors keep working. Anything short of a `true` read back is
 * CONF_GPC_NOT_APPLIED: the scenario errors and the gpc checks stay inconclusive.
 * Android only: an iOS web view (XCUITest's context, Safari's remote inspector) has no DevTools
 * protocol through which to set the header.
 */
export async function applyWebViewGpc(client: WebViewClient, options: WebViewGpcOptions): Promise<GpcSignal> {
  if (options.platform === 'ios') {
    throw notApplied(
      'Global Privacy Control cannot be set in an iOS web view: XCUITest reaches web views through Safari\'s remote inspector, which has no DevTools protocol to add the Sec-GPC header',
      'leave gpc out of --scenarios for iOS apps; gpc runs on web apps and on Android apps marked webView',
    );
  }
  const context = await waitForWebView(client, options);
  let readBack: unknown;
  try {
    await client.switchContext(context);
    await client.cdp('Network.enable', {});
    await client.cdp('Network.setExtraHTTPHeaders', { headers: { 'Sec-GPC': '1' } });
    await client.cdp('Page.addScriptToEvaluateOnNewDocument', { source: GPC_SCRIPT });
    await client.refresh();
    readBack = await client.execute('return navigator.globalPrivacyControl;');
  } catch (error) {
    throw notApplied(
      `could not set Global Privacy Control in the web view ${context}: ${(error as Error).message.split('\n')[0]}`,
      `${WEBVIEW_DEBUGGING_HINT}; the WebDriver endpoint must forward goog/cdp/execute to the web view's chromedriver (Appium's UiAutomator2 driver does in a WEBVIEW context)`,
      error,
    );
  }
  if (readBack !== true) {
    throw notApplied(
      `Global Privacy Control did not take in the web view ${context}: navigator.globalPrivacyControl read back as ${JSON.stringify(readBack) ?? 'undefined'} after the reload`,
      `${WEBVIEW_DEBUGGING_HINT}; if the app loads its page in another web view, name that one with webView: { context: WEBVIEW_… } in the manifest`,
    );
  }
  await client.switchContext('NATIVE_APP');
  return gpcSignal(context, true);
}

/** The web view's context once it is there: the one the manifest names, else `WEBVIEW_<appId>`, else the first WEBVIEW_ one. */
async function waitForWebView(client: WebViewClient, options: WebViewGpcOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const pollMs = options.pollMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  let seen: string[] = [];
  for (;;) {
    seen = await client.getContexts();
    const found = options.context
      ? seen.find((name) => name === options.context)
      : (seen.find((name) => name === `WEBVIEW_${options.appId}`) ?? seen.find((name) => name.startsWith('WEBVIEW_')));
    if (found) return found;
    if (now() >= deadline) break;
    await sleep(pollMs);
  }
  throw notApplied(
    `no web view context ${options.context ? `named ${options.context} ` : ''}appeared within ${timeoutMs} ms (contexts: ${seen.join(', ') || 'none'})`,
    options.context
      ? `${WEBVIEW_DEBUGGING_HINT}; check webView.context in the manifest against the contexts listed`
      : WEBVIEW_DEBUGGING_HINT,
  );
}
