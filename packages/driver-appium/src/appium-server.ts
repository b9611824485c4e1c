import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import getPort from 'get-port';
import { ConformanceError, ErrorCodes, onFreePort, portInUse } from '@conformance/core';

const require = createRequire(import.meta.url);

export interface AppiumServerOptions {
  /** Appium's log goes here. */
  logPath: string;
  startTimeoutMs?: number;
  /**
   * Picks the port Appium is told to listen on; default a free loopback port (get-port). A port
   * taken before Appium binds it is given up for a new pick, PORT_ATTEMPTS times in all.
   */
  pickPort?: () => Promise<number>;
  /**
   * The platforms the server will drive: only their drivers are loaded (`--use-drivers`), which
   * starts Appium about 1.4 s sooner than loading every installed driver. Default: every driver.
   */
  platforms?: readonly (keyof typeof appiumDrivers)[];
}

export interface RunningAppium {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Where Appium and its drivers are installed: the folder whose node_modules holds
 * `appium`. Drivers are ordinary npm dependencies found there (APPIUM_HOME), never
 * installed with `appium driver install`.
 */
export function appiumHome(): { home: string; main: string } {
  const packageJson = require.resolve('appium/package.json');
  const packageDir = dirname(packageJson);
  return { home: dirname(dirname(packageDir)), main: join(packageDir, 'index.js') };
}

/** Appium's line once its own HTTP server listens (before it, /status may be another process's). */
const LISTENING = /Appium REST http interface listener started on/;
/** What Node (and so Appium) says when the port is taken. */
const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;

/**
 * Starts an Appium server as a child process on a free loopback port and waits until it says
 * it listens and /status answers. Appium must be told its port, so another process can take
 * it first: a start that fails with EADDRINUSE is tried again on a new port, PORT_ATTEMPTS
 * times, then fails with CONF_PORT_IN_USE.
 */
export async function startAppiumServer(options: AppiumServerOptions): Promise<RunningAppium> {
  await mkdir(dirname(options.logPath), { recursive: true });
  return onFreePort('the Appium server', options.pickPort ?? (() => getPort({ host: '127.0.0.1' })), (port) =>
    startOnPort(port, options),
  );
}

async function startOnPort(port: number, options: AppiumServerOptions): Promise<RunningAppium> {
  const { home, main } = appiumHome();
  const log = createWriteStream(`${options.logPath}.stderr`, { flags: 'a' });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      'server',
      '--address',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'info',
      '--log-no-colors',
      '--log-timestamp',
      '--log',
      options.logPath,
      ...useDrivers(options.platforms),
    ],
    { env: { ...process.env, APPIUM_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Appium writes its own log (--log); whatever it prints outside it (a crash) is kept beside it.
  child.stderr?.pipe(log, { end: false });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));
  const stderrRead = new Promise<void>((resolve) => (child.stderr ? child.stderr.once('close', resolve) : resolve()));
  // Its console copy of the log is read only for the line that says it listens.
  let listening = false;
  let stdoutTail = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (listening) return;
    stdoutTail = (stdoutTail + chunk.toString()).slice(-4000);
    listening = LISTENING.test(stdoutTail);
  });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    log.end();
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    try {
      if (listening) {
        const response = await fetch(`${url}/status`);
        if (response.ok) return { port, url, stop };
      }
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await stop();
  if (exited !== undefined) {
    await Promise.race([stderrRead, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    const said = stderrTail.split('\n').find((line) => ADDRESS_IN_USE.test(line));
    if (said) throw portInUse('the Appium server', port, said.trim());
  }
  throw new ConformanceError(
    ErrorCodes.DRIVER_START,
    exited ? `the Appium server ${exited} while starting` : `the Appium server did not answer on ${url} in time`,
    { hint: `see ${options.logPath}; run "conformance doctor" to check Appium and its drivers` },
  );
}

/** The Appium drivers this harness uses, by platform, as npm packages. */
export const appiumDrivers = {
  web: 'appium-chromium-driver',
  android: 'appium-uiautomator2-driver',
  ios: 'appium-xcuitest-driver',
} as const;

/** The name Appium gives each of those drivers once installed (what `--use-drivers` takes). */
export const appiumDriverNames = {
  web: 'chromium',
  android: 'uiautomator2',
  ios: 'xcuitest',
} as const satisfies Record<keyof typeof appiumDrivers, string>;

/** The `--use-drivers` arguments for these platforms; none (every driver) when no platform is named. */
export function useDrivers(platforms: readonly (keyof typeof appiumDrivers)[] | undefined): string[] {
  if (!platforms?.length) return [];
  return ['--use-drivers', [...new Set(platforms.map((platform) => appiumDriverNames[platform]))].join(',')];
}

/** Installed version of an npm package as Appium would find it, or undefined. */
export function installedVersion(packageName: string): string | undefined {
  try {
    return (require(`${packageName}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}
