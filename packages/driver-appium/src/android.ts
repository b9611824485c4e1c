import { ConformanceError, ErrorCodes, type CommandRunner } from '@conformance/core';

export interface AndroidTarget {
  /** adb serial of the emulator or device (`adb devices`), e.g. emulator-5554. */
  serial: string;
  /** The .apk under test. */
  app: string;
  appPackage: string;
  appActivity?: string;
}

/**
 * Capabilities for appium-uiautomator2-driver: a clean install every session (noReset false,
 * fullReset true clears app data), and permissions never granted automatically, so every
 * permission request the app makes is observable.
 */
export function androidCapabilities(target: AndroidTarget): WebdriverIO.Capabilities {
  return {
    platformName: 'Android',
    'appium:automationName': 'UiAutomator2',
    'appium:udid': target.serial,
    'appium:app': target.app,
    'appium:appPackage': target.appPackage,
    ...(target.appActivity ? { 'appium:appActivity': target.appActivity } : {}),
    'appium:noReset': false,
    'appium:fullReset': true,
    'appium:autoGrantPermissions': false,
    'appium:newCommandTimeout': 120,
  } as WebdriverIO.Capabilities;
}

export interface AndroidProxyOptions {
  serial: string;
  /** Host and port the device reaches the proxy at (10.0.2.2 is the emulator's host loopback). */
  proxyHost: string;
  proxyPort: number;
}

/** Every adb call goes to one device; a non-zero exit is an error naming the command and the fix. */
async function adb(runner: CommandRunner, serial: string, args: string[], hint: string): Promise<string> {
  const result = await runner.run('adb', ['-s', serial, ...args]);
  if (result.code !== 0) {
    throw new ConformanceError(
      ErrorCodes.DEVICE_COMMAND,
      `adb -s ${serial} ${args.join(' ')} failed (${result.code}): ${(result.stderr || result.stdout).trim().split('\n')[0]}`,
      { hint },
    );
  }
  return result.stdout.trim();
}

/** Points the device's global HTTP proxy at the harness's mitmdump. */
export async function setAndroidProxy(runner: CommandRunner, options: AndroidProxyOptions): Promise<void> {
  await adb(runner, options.serial, ['wait-for-device'], 'start the emulator, or check the serial with "adb devices"');
  await adb(
    runner,
    options.serial,
    ['shell', 'settings', 'put', 'global', 'http_proxy', `${options.proxyHost}:${options.proxyPort}`],
    'the device must accept "settings put global http_proxy" (an emulator image or a device with developer options)',
  );
}

/** Removes the proxy again, so the device is left as it was found. */
export async function clearAndroidProxy(runner: CommandRunner, serial: string): Promise<void> {
  await adb(
    runner,
    serial,
    ['shell', 'settings', 'put', 'global', 'http_proxy', ':0'],
    'clear it by hand: adb shell settings put global http_proxy :0',
  );
}

/**
 * Installs the interception CA in the system store of an emulator started with
 * -writable-system (Android 7–13): root, remount, push `<subject_hash_old>.0`, chmod 644.
 */
export async function installAndroidSystemCa(
  runner: CommandRunner,
  serial: string,
  caFile: string,
  hashName: string,
): Promise<void> {
  const hint = 'start the emulator with -writable-system on an image without Google Play (see docs/PLATFORMS.md)';
  await adb(runner, serial, ['root'], hint);
  await adb(runner, serial, ['wait-for-device'], hint);
  await adb(runner, serial, ['remount'], hint);
  await adb(runner, serial, ['push', caFile, `/system/etc/security/cacerts/${hashName}`], hint);
  await adb(runner, serial, ['shell', 'chmod', '644', `/system/etc/security/cacerts/${hashName}`], hint);
}

export interface AndroidIdentifiers {
  androidId?: string;
  wifiMac?: string;
  model?: string;
}

/**
 * Identifiers read from the device, planted as canaries: if the app sends one of them,
 * raw or hashed, the analysis finds it.
 */
export async function readAndroidIdentifiers(runner: CommandRunner, serial: string): Promise<AndroidIdentifiers> {
  const read = async (args: string[]) => {
    const result = await runner.run('adb', ['-s', serial, ...args]);
    return result.code === 0 ? result.stdout.trim() : '';
  };
  const androidId = await read(['shell', 'settings', 'get', 'secure', 'android_id']);
  const link = await read(['shell', 'cat', '/sys/class/net/wlan0/address']);
  const model = await read(['shell', 'getprop', 'ro.product.model']);
  return {
    ...(/^[0-9a-f]{16}$/i.test(androidId) ? { androidId } : {}),
    ...(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(link) ? { wifiMac: link } : {}),
    ...(model ? { model } : {}),
  };
}

/** The app's shared-preferences files (the Android counterpart of web storage); debuggable builds only. */
export async function listSharedPreferences(runner: CommandRunner, serial: string, appPackage: string): Promise<string[]> {
  const result = await runner.run('adb', ['-s', serial, 'shell', 'run-as', appPackage, 'ls', 'shared_prefs']);
  return result.code === 0 ? result.stdout.split(/\s+/).filter((name) => name.endsWith('.xml')) : [];
}
