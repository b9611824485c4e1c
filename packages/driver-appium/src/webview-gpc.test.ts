import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { GPC_SCRIPT } from './instrumentation.js';
import { webViewClient } from './native-session.js';
import { applyWebViewGpc, type WebViewClient } from './webview-gpc.js';

/** A fake Appium session: contexts appear after a number of looks; DevTools commands and the read back are recorded. */
function fakeClient(options: {
  contexts: string[][];
  readBack?: unknown;
  cdpFails?: string;
}): WebViewClient & { calls: string[]; cdp: WebViewClient['cdp'] } {
  const calls: string[] = [];
  let looks = 0;
  return {
    calls,
    async getContexts() {
      const seen = options.contexts[Math.min(looks, options.contexts.length - 1)]!;
      looks += 1;
      calls.push(`getContexts → ${seen.join(',')}`);
      return seen;
    },
    async switchContext(name) {
      calls.push(`switchContext ${name}`);
    },
    async cdp(cmd, params) {
      calls.push(`cdp ${cmd} ${JSON.stringify(params)}`);
      if (cmd === options.cdpFails) throw new Error(`${cmd}: unknown command: goog/cdp/execute`);
      return {};
    },
    async execute(script) {
      calls.push(`execute ${script}`);
      return 'readBack' in options ? options.readBack : true;
    },
    async refresh() {
      calls.push('refresh');
    },
  };
}

/** A clock that moves only when the code sleeps, so the bounded wait is tested without waiting. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

async function rejection(promise: Promise<unknown>): Promise<ConformanceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConformanceError) return error;
    throw error;
  }
  throw new Error('expected CONF_GPC_NOT_APPLIED');
}

describe('applyWebViewGpc', () => {
  it('waits for the web view context, switches to it, sets Sec-GPC and navigator.globalPrivacyControl through DevTools, reloads, reads back, returns to NATIVE_APP', async () => {
    const client = fakeClient({
      contexts: [['NATIVE_APP'], ['NATIVE_APP'], ['NATIVE_APP', 'WEBVIEW_chrome', 'WEBVIEW_com.example.news']],
    });
    const signal = await applyWebViewGpc(client, { platform: 'android', appId: 'com.example.news', ...fakeClock() });
    expect(signal).toEqual({
      context: 'WEBVIEW_com.example.news',
      header: 'Sec-GPC: 1',
      script: 'navigator.globalPrivacyControl = true',
      readBack: true,
    });
    expect(client.calls).toEqual([
      'getContexts → NATIVE_APP',
      'getContexts → NATIVE_APP',
      'getContexts → NATIVE_APP,WEBVIEW_chrome,WEBVIEW_com.example.news',
      'switchContext WEBVIEW_com.example.news',
      'cdp Network.enable {}',
      'cdp Network.setExtraHTTPHeaders {"headers":{"Sec-GPC":"1"}}',
      `cdp Page.addScriptToEvaluateOnNewDocument ${JSON.stringify({ source: GPC_SCRIPT })}`,
      'refresh',
      'execute return navigator.globalPrivacyControl;',
      'switchContext NATIVE_APP',
    ]);
    expect(GPC_SCRIPT).toContain("'globalPrivacyControl', { get: () => true");
  });

  it('uses the context the manifest names, not the first web view', async () => {
    const client = fakeClient({ contexts: [['NATIVE_APP', 'WEBVIEW_com.example.news', 'WEBVIEW_com.example.news:ads']] });
    const signal = await applyWebViewGpc(client, {
      platform: 'android',
      appId: 'com.example.news',
      context: 'WEBVIEW_com.example.news:ads',
      ...fakeClock(),
    });
    expect(signal.context).toBe('WEBVIEW_com.example.news:ads');
    expect(client.calls).toContain('switchContext WEBVIEW_com.example.news:ads');
  });

  it('CONF_GPC_NOT_APPLIED when no web view context appears within the wait, naming the fix, and nothing is sent', async () => {
    const client = fakeClient({ contexts: [['NATIVE_APP']] });
    const error = await rejection(
      applyWebViewGpc(client, { platform: 'android', appId: 'com.example.news', timeoutMs: 2_000, pollMs: 500, ...fakeClock() }),
    );
    expect(error.code).toBe(ErrorCodes.GPC_NOT_APPLIED);
    expect(error.message).toBe('no web view context appeared within 2000 ms (contexts: NATIVE_APP)');
    expect(error.hint).toContain('WebView.setWebContentsDebuggingEnabled(true)');
    // Bounded: one look at 0 ms and one after each 500 ms pause up to the 2 s deadline.
    expect(client.calls.filter((call) => call.startsWith('getContexts'))).toHaveLength(5);
    expect(client.calls.some((call) => call.startsWith('cdp') || call.startsWith('switchContext'))).toBe(false);
  });

  it('CONF_GPC_NOT_APPLIED when the named context never appears, listing the contexts seen', async () => {
    const client = fakeClient({ contexts: [['NATIVE_APP', 'WEBVIEW_com.example.news']] });
    const error = await rejection(
      applyWebViewGpc(client, {
        platform: 'android',
        appId: 'com.example.news',
        context: 'WEBVIEW_other',
        timeoutMs: 1_000,
        ...fakeClock(),
      }),
    );
    expect(error.code).toBe(ErrorCodes.GPC_NOT_APPLIED);
    expect(error.message).toContain('no web view context named WEBVIEW_other appeared within 1000 ms');
    expect(error.message).toContain('contexts: NATIVE_APP, WEBVIEW_com.example.news');
    expect(error.hint).toContain('webView.context');
  });

  it.each([
    [false, 'false'],
    [undefined, 'undefined'],
    ['true', '"true"'],
  ])('CONF_GPC_NOT_APPLIED when navigator.globalPrivacyControl reads back as %s', async (value, shown) => {
    const client = fakeClient({ contexts: [['NATIVE_APP', 'WEBVIEW_com.example.news']], readBack: value });
    const error = await rejection(applyWebViewGpc(client, { platform: 'android', appId: 'com.example.news', ...fakeClock() }));
    expect(error.code).toBe(ErrorCodes.GPC_NOT_APPLIED);
    expect(error.message).toBe(
      `Global Privacy Control did not take in the web view WEBVIEW_com.example.news: navigator.globalPrivacyControl read back as ${shown} after the reload`,
    );
    expect(error.hint).toContain('WebView.setWebContentsDebuggingEnabled(true)');
  });

  it('CONF_GPC_NOT_APPLIED when the endpoint does not pass DevTools commands to the web view, with the cause kept', async () => {
    const client = fakeClient({ contexts: [['NATIVE_APP', 'WEBVIEW_com.example.news']], cdpFails: 'Network.setExtraHTTPHeaders' });
    const error = await rejection(applyWebViewGpc(client, { platform: 'android', appId: 'com.example.news', ...fakeClock() }));
    expect(error.code).toBe(ErrorCodes.GPC_NOT_APPLIED);
    expect(error.message).toContain('could not set Global Privacy Control in the web view WEBVIEW_com.example.news');
    expect(error.hint).toContain('goog/cdp/execute');
    expect(error.cause).toBeInstanceOf(Error);
    expect(client.calls).not.toContain('refresh');
  });

  it('iOS: CONF_GPC_NOT_APPLIED at once, saying the web view has no DevTools protocol; no context is touched', async () => {
    const client = fakeClient({ contexts: [['NATIVE_APP', 'WEBVIEW_86150.1']] });
    const error = await rejection(applyWebViewGpc(client, { platform: 'ios', appId: 'com.example.news', ...fakeClock() }));
    expect(error.code).toBe(ErrorCodes.GPC_NOT_APPLIED);
    expect(error.message).toContain('cannot be set in an iOS web view');
    expect(client.calls).toEqual([]);
  });
});

describe('webViewClient', () => {
  it('maps Appium contexts (plain or detailed) and sends DevTools commands to the session\'s goog/cdp/execute on the endpoint', async () => {
    const received: { url: string; body: unknown }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body: JSON.parse(body) });
        const failed = request.url?.includes('broken');
        response.writeHead(failed ? 404 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ value: failed ? { message: 'unknown command\nstack' } : null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const switched: string[] = [];
      const browser = {
        sessionId: 'abc',
        getContexts: async () => ['NATIVE_APP', { id: 'WEBVIEW_com.example.news' }],
        switchContext: async (name: string) => void switched.push(name),
        execute: async () => true,
        refresh: async () => undefined,
      } as unknown as WebdriverIO.Browser;
      const client = webViewClient(browser, `http://127.0.0.1:${port}/wd/hub`);
      expect(await client.getContexts()).toEqual(['NATIVE_APP', 'WEBVIEW_com.example.news']);
      await client.switchContext('WEBVIEW_com.example.news');
      expect(switched).toEqual(['WEBVIEW_com.example.news']);
      await client.cdp('Network.setExtraHTTPHeaders', { headers: { 'Sec-GPC': '1' } });
      expect(received).toEqual([
        {
          url: '/wd/hub/session/abc/goog/cdp/execute',
          body: { cmd: 'Network.setExtraHTTPHeaders', params: { headers: { 'Sec-GPC': '1' } } },
        },
      ]);
      const broken = webViewClient({ ...browser, sessionId: 'broken' } as unknown as WebdriverIO.Browser, `http://127.0.0.1:${port}/`);
      await expect(broken.cdp('Network.enable', {})).rejects.toThrow('Network.enable: unknown command');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
