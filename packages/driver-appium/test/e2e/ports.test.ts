import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import {
  chromiumMajorVersion,
  deviceProfile,
  openWebSession,
  portHeld,
  processesMatching,
  startAppiumServer,
} from '../../src/index.js';

// The real Appium server and chromedriver, told a port that a test listener holds.
let held: Server;
let heldPort: number;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'appium-port-'));
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  heldPort = (held.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => held.close(() => resolve()));
});

describe('startAppiumServer on a port another process holds', () => {
  it('gives the held port up for a new pick and answers /status there', async () => {
    const picks: number[] = [];
    const appium = await startAppiumServer({
      logPath: join(dir, 'retry', 'appium.log'),
      pickPort: async () => {
        const port = picks.length === 0 ? heldPort : await getPort({ host: '127.0.0.1' });
        picks.push(port);
        return port;
      },
    });
    try {
      expect(picks).toEqual([heldPort, appium.port]);
      expect(appium.port).not.toBe(heldPort);
      const status = (await (await fetch(`${appium.url}/status`)).json()) as { value: { ready: boolean } };
      expect(status.value.ready).toBe(true);
    } finally {
      await appium.stop();
    }
    // Told no platform, Appium loads every installed driver.
    const log = await readFile(join(dir, 'retry', 'appium.log'), 'utf8');
    for (const driver of ['chromium', 'uiautomator2', 'xcuitest']) expect(log).toContain(`Attempting to load driver ${driver}`);
  });

  it('fails with CONF_PORT_IN_USE naming the three ports tried when every pick is taken', async () => {
    await expect(
      startAppiumServer({ logPath: join(dir, 'taken', 'appium.log'), pickPort: async () => heldPort }),
    ).rejects.toMatchObject({
      code: ErrorCodes.PORT_IN_USE,
      message: expect.stringMatching(new RegExp(`\\(${heldPort}, ${heldPort}, ${heldPort}\\).*EADDRINUSE`)),
    });
  });
});

describe('openWebSession when the chromedriver port picked is taken', () => {
  it('gives the held port up for a new pick, and the session works', async () => {
    // An HTTP server holds the port (a holder that never answers is outlasted too, but only
    // when WebDriver's request times out).
    const web = createHttpServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const webPort = (web.address() as { port: number }).port;
    // Only the web driver is loaded, and a web session opens through it.
    const appium = await startAppiumServer({ logPath: join(dir, 'chromedriver', 'appium.log'), platforms: ['web'] });
    const picks: number[] = [];
    try {
      const session = await openWebSession({
        appiumUrl: appium.url,
        device: deviceProfile('Pixel 7', await chromiumMajorVersion()),
        // Nothing is loaded through it: the session only has to open.
        proxyUrl: 'http://127.0.0.1:9',
        gpc: false,
        origin: 'http://app.example.test',
        pickChromedriverPort: async () => {
          const port = picks.length === 0 ? webPort : await getPort({ host: '127.0.0.1' });
          picks.push(port);
          return port;
        },
      });
      try {
        expect(picks).toHaveLength(2);
        expect(picks[0]).toBe(webPort);
        // chromedriver listens on the second pick.
        expect(await portHeld(picks[1]!)).toBe(true);
        // The browser runs no renderer for its own omnibox popups (it never shows an omnibox).
        const renderers: string[] = [];
        for (const pid of await processesMatching(`conformance-profile-${process.pid}-`)) {
          const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (args.includes('--type=renderer')) renderers.push(args);
        }
        expect(renderers.length).toBeGreaterThan(0);
        expect(renderers.filter((args) => args.includes('--top-chrome-webui'))).toEqual([]);
        const log = await readFile(join(dir, 'chromedriver', 'appium.log'), 'utf8');
        expect(log).toContain('Attempting to load driver chromium');
        expect(log).not.toMatch(/Attempting to load driver (uiautomator2|xcuitest)/);
      } finally {
        await session.close();
      }
    } finally {
      await appium.stop();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });
});

describe('portHeld', () => {
  it('is true for a port a listener holds and false once it is free', async () => {
    expect(await portHeld(heldPort)).toBe(true);
    const port = await getPort({ host: '127.0.0.1' });
    expect(await portHeld(port)).toBe(false);
  });
});
