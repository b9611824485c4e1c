import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appiumHome, useDrivers } from './appium-server.js';
import { webCapabilities } from './chromium.js';
import { deviceProfile, webDevices } from './devices.js';
import { serveDirectory } from './static-server.js';

describe('webCapabilities', () => {
  const device = deviceProfile('Pixel 7', '150');
  const caps = webCapabilities({
    proxyUrl: 'http://127.0.0.1:8123',
    userDataDir: '/tmp/p',
    device,
    chromedriverPort: 40123,
  }) as Record<string, unknown>;
  const chrome = caps['goog:chromeOptions'] as { args: string[]; binary: string; mobileEmulation: unknown };

  it('targets appium-chromium-driver with Debian chromedriver and browserName chrome', () => {
    expect(caps).toMatchObject({ platformName: 'linux', browserName: 'chrome', 'appium:automationName': 'Chromium' });
    expect(caps['appium:executable']).toBe('/usr/bin/chromedriver');
    // Never the fixed default 9515: parallel runs would fight over it.
    expect(caps['appium:chromedriverPort']).toBe(40123);
    expect(chrome.binary).toBe('/usr/bin/chromium');
  });

  it('routes everything, loopback included, through the proxy in a fresh profile', () => {
    expect(chrome.args).toEqual(
      expect.arrayContaining([
        '--proxy-server=http://127.0.0.1:8123',
        '--proxy-bypass-list=<-loopback>;update.conformance.invalid;gaia.conformance.invalid',
        '--user-data-dir=/tmp/p',
      ]),
    );
  });

  it('runs headless with the background-networking switches and emulates the device', () => {
    expect(chrome.args).toEqual(
      expect.arrayContaining([
        '--headless=new',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ]),
    );
    expect(chrome.mobileEmulation).toMatchObject({ deviceMetrics: { width: 412, mobile: true, touch: true } });
    expect((chrome.mobileEmulation as { userAgent: string }).userAgent).toContain('Chrome/150.0.0.0 Mobile');
  });

  it("turns off the browser's own omnibox popup pages, which a headless browser preloads for nothing", () => {
    const disabled = chrome.args.filter((arg) => arg.startsWith('--disable-features='));
    // One switch: Chromium reads only the last --disable-features.
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.slice('--disable-features='.length).split(',')).toEqual(
      expect.arrayContaining(['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup']),
    );
  });

  it('hides the automation tells and asks for the network log', () => {
    expect(chrome.args).toContain('--disable-blink-features=AutomationControlled');
    expect((chrome as unknown as { excludeSwitches: string[] }).excludeSwitches).toEqual(['enable-automation']);
    expect(caps['goog:loggingPrefs']).toEqual({ performance: 'ALL' });
  });
});

describe('appiumHome', () => {
  it('is the folder whose node_modules holds appium and its drivers', () => {
    const { home, main } = appiumHome();
    expect(existsSync(join(home, 'node_modules', 'appium', 'package.json'))).toBe(true);
    expect(existsSync(join(home, 'node_modules', 'appium-chromium-driver', 'package.json'))).toBe(true);
    expect(existsSync(main)).toBe(true);
  });
});

describe('serveDirectory', () => {
  it('serves files with their type, 404s the rest and never leaves the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'site-'));
    await writeFile(join(dir, 'index.html'), '<p>hi</p>');
    const server = await serveDirectory(dir);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toBe('<p>hi</p>');
      expect((await fetch(`${base}/missing.js`)).status).toBe(404);
      // An encoded slash survives URL parsing and would climb out once decoded.
      expect((await fetch(`${base}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(403);
    } finally {
      await server.close();
    }
  });
  it('answers whatever a hostile app asks with an HTTP status and keeps serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'site-'));
    await writeFile(join(dir, 'index.html'), '<p>hi</p>');
    const server = await serveDirectory(dir);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/%ff`)).status).toBe(400);
      expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400);
      expect((await fetch(`${base}/a%00b`)).status).toBe(404);
      expect((await fetch(`${base}/${'x'.repeat(4000)}`)).status).toBe(404);
      // Bytes that are not HTTP at all: the parser rejects them, the server answers 400.
      const raw = await rawRequest(server.port, 'GET /\xff\x00 HTTP/1.1\r\nHost: \x01\r\n\r\n');
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect((await fetch(`${base}/`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('deviceProfile', () => {
  it('has the catalogue the issue asks for and rejects an unknown device with the list', () => {
    expect(webDevices).toEqual(expect.arrayContaining(['Pixel 7', 'Galaxy A54', 'iPhone 15', 'iPad Air']));
    expect(deviceProfile('iPhone 15')).toMatchObject({ width: 393, pixelRatio: 3, locale: 'en-GB' });
    expect(() => deviceProfile('Nokia 3310')).toThrow(/unknown device "Nokia 3310"/);
  });
});

describe('useDrivers', () => {
  it('names the Appium driver of each platform once', () => {
    expect(useDrivers(['web'])).toEqual(['--use-drivers', 'chromium']);
    expect(useDrivers(['android', 'web', 'android'])).toEqual(['--use-drivers', 'uiautomator2,chromium']);
    expect(useDrivers(['ios'])).toEqual(['--use-drivers', 'xcuitest']);
  });

  it('leaves every installed driver on when no platform is named', () => {
    expect(useDrivers(undefined)).toEqual([]);
    expect(useDrivers([])).toEqual([]);
  });
});
