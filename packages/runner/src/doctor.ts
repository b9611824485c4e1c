import { createServer } from 'node:net';
import type { CommandRunner, Platform } from '@conformance/core';
import { appiumDrivers, chromiumPaths, installedVersion, processRunner } from '@conformance/driver-appium';
import { engineCommand } from '@conformance/proxy-mitmproxy';
import { versionIn } from './provenance.js';

export type DoctorStatus = 'ok' | 'missing' | 'mismatch' | 'warn';

export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  /** Whether the platform being checked cannot run without it. */
  required: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  platform: Platform;
  checks: DoctorCheck[];
  ok: boolean;
}

/**
 * Which engine captures run on: the lean one (mitmproxy's proxy core with the recording addon) or,
 * slower, mitmdump with the addon as a script. Either records the same; the second is a warning.
 */
async function proxyEngineCheck(
  mitmdump: string,
  run: (command: string, args: string[]) => Promise<{ ok: boolean; output: string }>,
): Promise<DoctorCheck> {
  const check = { name: 'proxy engine', required: false, fix: LEAN_ENGINE_FIX };
  let engine: Awaited<ReturnType<typeof engineCommand>>;
  try {
    engine = await engineCommand(mitmdump);
  } catch (error) {
    return { ...check, status: 'warn', detail: (error as Error).message };
  }
  if (engine.engine === 'mitmdump') {
    const why =
      process.env['CONFORMANCE_PROXY_ENGINE'] === 'mitmdump'
        ? 'CONFORMANCE_PROXY_ENGINE=mitmdump'
        : `${mitmdump} is not a Python script`;
    return { ...check, status: 'warn', detail: `mitmdump engine (${why}): the same records, about a third more CPU per request` };
  }
  const probe = await run(engine.command, [...engine.args, '--check']);
  return {
    ...check,
    status: probe.ok ? 'ok' : 'warn',
    detail: probe.output.split('\n').at(-1) || `${engine.command} could not run the lean engine`,
  };
}

const LEAN_ENGINE_FIX =
  'captures still work on mitmdump; for the lean engine set CONFORMANCE_MITMPROXY_PYTHON to the Python mitmproxy is installed in (mitmproxy 8)';

/** The exact install command for a Debian package, and the one that does it all. */
const aptFix = (pkg: string) => `apt-get install -y ${pkg} (as root; "npm run setup" installs everything)`;

/** Checks every external part an assessment needs and says how to fix what is missing. */
export async function runDoctor(
  platform: DoctorReport['platform'] = 'web',
  runner: CommandRunner = processRunner,
): Promise<DoctorReport> {
  const run = async (command: string, args: string[]) => {
    const result = await runner.run(command, args);
    return { ok: result.code === 0, output: `${result.stdout}${result.stderr}`.trim() };
  };
  const checks: DoctorCheck[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({
    name: 'node',
    status: major > 20 || (major === 20 && minor >= 19) ? 'ok' : 'mismatch',
    required: true,
    detail: process.version,
    fix: 'install Node.js 20.19 or newer',
  });

  const paths = chromiumPaths();
  const browser = await run(paths.chromium, ['--version']);
  const driver = await run(paths.chromedriver, ['--version']);
  const browserVersion = versionIn.chromium(browser.output);
  const driverVersion = versionIn.chromedriver(driver.output);
  const majorOf = (version: string) => version.split('.')[0];
  const web = platform === 'web';
  checks.push({
    name: 'chromium',
    status: browser.ok && browserVersion ? 'ok' : 'missing',
    required: web,
    detail: browserVersion ? `${browserVersion} (${paths.chromium})` : `not found at ${paths.chromium}`,
    fix: `${aptFix('chromium')}, or set CONFORMANCE_CHROMIUM`,
  });
  checks.push({
    name: 'chromedriver',
    status: driver.ok && driverVersion ? 'ok' : 'missing',
    required: web,
    detail: driverVersion ? `${driverVersion} (${paths.chromedriver})` : `not found at ${paths.chromedriver}`,
    fix: `${aptFix('chromium-driver')}, or set CONFORMANCE_CHROMEDRIVER`,
  });
  if (browserVersion && driverVersion) {
    const same = majorOf(browserVersion) === majorOf(driverVersion);
    checks.push({
      name: 'chromium = chromedriver',
      status: same ? 'ok' : 'mismatch',
      required: web,
      detail: same
        ? `both major version ${majorOf(browserVersion)}`
        : `chromium ${majorOf(browserVersion)} but chromedriver ${majorOf(driverVersion)}`,
      fix: 'install chromium and chromium-driver from the same source so their versions match (apt-get install chromium chromium-driver)',
    });
  }

  const mitmdump = process.env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump';
  const mitm = await run(mitmdump, ['--version']);
  const mitmVersion = versionIn.mitmproxy(mitm.output);
  checks.push({
    name: 'mitmdump',
    status: mitm.ok && mitmVersion ? 'ok' : 'missing',
    required: true,
    detail: mitmVersion ? `${mitmVersion} (Python ${versionIn.mitmproxyPython(mitm.output) ?? '?'})` : `${mitmdump} not found`,
    fix: `${aptFix('mitmproxy')}, or set CONFORMANCE_MITMDUMP`,
  });
  if (mitm.ok) checks.push(await proxyEngineCheck(mitmdump, run));

  const appium = installedVersion('appium');
  checks.push({
    name: 'appium',
    status: appium ? 'ok' : 'missing',
    required: true,
    detail: appium ?? 'the npm package appium is not installed',
    fix: 'run "npm ci" in the workspace',
  });
  for (const [driverPlatform, packageName] of Object.entries(appiumDrivers)) {
    const version = installedVersion(packageName);
    checks.push({
      name: `appium driver (${driverPlatform})`,
      status: version ? 'ok' : 'missing',
      required: driverPlatform === platform,
      detail: version ? `${packageName} ${version}` : `${packageName} is not installed`,
      fix: 'run "npm ci" in the workspace (drivers are npm dependencies, not "appium driver install")',
    });
  }

  const java = await run('java', ['-version']);
  checks.push({
    name: 'java',
    status: java.ok ? 'ok' : 'warn',
    required: false,
    detail: java.ok
      ? (/version "([^"]+)"/.exec(java.output)?.[1] ?? 'present')
      : 'not found (needed only for Allure HTML reports)',
    fix: 'apt-get install openjdk-17-jre-headless',
  });

  if (platform === 'android') checks.push(...(await androidChecks(run)));
  if (platform === 'ios') checks.push(...(await iosChecks(run)));

  const ports = await freeLoopbackPorts(2);
  checks.push({
    name: 'free loopback ports',
    status: ports ? 'ok' : 'missing',
    required: true,
    detail: ports ? `127.0.0.1 can bind (e.g. ${ports.join(', ')})` : 'cannot bind a port on 127.0.0.1',
    fix: 'free some ports, or check that the loopback interface is up',
  });

  return { platform, checks, ok: checks.every((check) => check.status === 'ok' || !check.required) };
}

async function freeLoopbackPorts(count: number): Promise<number[] | undefined> {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } catch {
    return undefined;
  } finally {
    for (const server of servers) server.close();
  }
}

type Run = (command: string, args: string[]) => Promise<{ ok: boolean; output: string }>;

const ANDROID_DOCS = 'see docs/PLATFORMS.md';

async function androidChecks(run: Run): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const home = process.env['ANDROID_HOME'] ?? process.env['ANDROID_SDK_ROOT'];
  checks.push({
    name: 'ANDROID_HOME',
    status: home ? 'ok' : 'missing',
    required: true,
    detail: home ?? 'neither ANDROID_HOME nor ANDROID_SDK_ROOT is set',
    fix: `install the Android SDK (command-line tools) and set ANDROID_HOME to it; ${ANDROID_DOCS}`,
  });
  const adb = await run('adb', ['version']);
  checks.push({
    name: 'adb',
    status: adb.ok ? 'ok' : 'missing',
    required: true,
    detail: adb.ok ? (adb.output.split('\n')[0] ?? 'present') : 'adb not found on the PATH',
    fix: `sdkmanager "platform-tools" and put $ANDROID_HOME/platform-tools on the PATH; ${ANDROID_DOCS}`,
  });
  const emulator = await run('emulator', ['-version']);
  checks.push({
    name: 'emulator',
    status: emulator.ok ? 'ok' : 'warn',
    required: false,
    detail: emulator.ok
      ? (emulator.output.split('\n')[0] ?? 'present')
      : 'no Android emulator on the PATH (a real device over adb works too)',
    fix: `sdkmanager "emulator" "system-images;android-33;default;x86_64" and create an AVD; ${ANDROID_DOCS}`,
  });
  if (adb.ok) {
    const devices = await run('adb', ['devices']);
    const attached = devices.output
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts[1] === 'device')
      .map((parts) => parts[0]!);
    checks.push({
      name: 'device attached',
      status: attached.length ? 'ok' : 'missing',
      required: true,
      detail: attached.length ? attached.join(', ') : 'adb lists no device in the "device" state',
      fix: 'start an emulator (emulator -avd <name> -writable-system) or connect a device with USB debugging on',
    });
  }
  return checks;
}

async function iosChecks(run: Run): Promise<DoctorCheck[]> {
  const xcrun = await run('xcrun', ['simctl', 'list', 'devices', 'booted']);
  return [
    {
      name: 'macOS',
      status: process.platform === 'darwin' ? 'ok' : 'missing',
      required: true,
      detail: process.platform === 'darwin' ? 'darwin' : `${process.platform}: iOS simulators run only on macOS`,
      fix: 'run iOS assessments on a Mac with Xcode, or on a remote device farm with --remote',
    },
    {
      name: 'xcrun simctl',
      status: xcrun.ok ? 'ok' : 'missing',
      required: true,
      detail: xcrun.ok ? 'present' : 'xcrun simctl is not available',
      fix: 'install Xcode and its command-line tools (xcode-select --install)',
    },
  ];
}
