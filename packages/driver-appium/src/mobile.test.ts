import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { createFakeRunner } from '@conformance/testing';
import {
  androidCapabilities,
  clearAndroidProxy,
  installAndroidSystemCa,
  listSharedPreferences,
  readAndroidIdentifiers,
  setAndroidProxy,
} from './android.js';
import { installIosSimulatorCa, iosCapabilities } from './ios.js';
import { nativeSelector, nativeUi } from './native-session.js';

describe('androidCapabilities', () => {
  it('asks UiAutomator2 for a clean install and never grants permissions by itself', () => {
    expect(
      androidCapabilities({
        serial: 'emulator-5554',
        app: '/apps/news.apk',
        appPackage: 'com.example.news',
        appActivity: '.Main',
      }),
    ).toEqual({
      platformName: 'Android',
      'appium:automationName': 'UiAutomator2',
      'appium:udid': 'emulator-5554',
      'appium:app': '/apps/news.apk',
      'appium:appPackage': 'com.example.news',
      'appium:appActivity': '.Main',
      'appium:noReset': false,
      'appium:fullReset': true,
      'appium:autoGrantPermissions': false,
      'appium:newCommandTimeout': 120,
    });
  });
});

describe('Android device preparation', () => {
  it('sets and clears the global proxy on the named device, in order', async () => {
    const runner = createFakeRunner();
    await setAndroidProxy(runner, { serial: 'emulator-5554', proxyHost: '10.0.2.2', proxyPort: 8123 });
    await clearAndroidProxy(runner, 'emulator-5554');
    expect(runner.calls).toEqual([
      'adb -s emulator-5554 wait-for-device',
      'adb -s emulator-5554 shell settings put global http_proxy 10.0.2.2:8123',
      'adb -s emulator-5554 shell settings put global http_proxy :0',
    ]);
  });

  it('installs the CA in the system store: root, remount, push <hash>.0, chmod 644', async () => {
    const runner = createFakeRunner();
    await installAndroidSystemCa(runner, 'emulator-5554', '/ca/c8750f0d.0', 'c8750f0d.0');
    expect(runner.calls).toEqual([
      'adb -s emulator-5554 root',
      'adb -s emulator-5554 wait-for-device',
      'adb -s emulator-5554 remount',
      'adb -s emulator-5554 push /ca/c8750f0d.0 /system/etc/security/cacerts/c8750f0d.0',
      'adb -s emulator-5554 shell chmod 644 /system/etc/security/cacerts/c8750f0d.0',
    ]);
  });

  it('stops at the first failing step with CONF_DEVICE_COMMAND naming the command and the fix', async () => {
    const runner = createFakeRunner((_command, args) =>
      args.includes('remount') ? { code: 1, stderr: 'remount failed: not running as root\n' } : undefined,
    );
    await expect(installAndroidSystemCa(runner, 'emulator-5554', '/ca/x.0', 'x.0')).rejects.toMatchObject({
      code: ErrorCodes.DEVICE_COMMAND,
      message: expect.stringContaining('adb -s emulator-5554 remount failed (1): remount failed: not running as root'),
      hint: expect.stringContaining('-writable-system'),
    });
    expect(runner.calls.at(-1)).toBe('adb -s emulator-5554 remount');
  });

  it('reads identifiers to plant as canaries, keeping only well-formed ones', async () => {
    const runner = createFakeRunner((_c, args) => {
      if (args.includes('android_id')) return { stdout: '9774d56d682e549c\n' };
      if (args.includes('/sys/class/net/wlan0/address')) return { stdout: '02:00:00:44:55:66\n' };
      if (args.includes('ro.product.model')) return { stdout: 'sdk_gphone64_x86_64\n' };
      return undefined;
    });
    expect(await readAndroidIdentifiers(runner, 'emulator-5554')).toEqual({
      androidId: '9774d56d682e549c',
      wifiMac: '02:00:00:44:55:66',
      model: 'sdk_gphone64_x86_64',
    });
    const broken = createFakeRunner(() => ({ stdout: 'null\n' }));
    expect(await readAndroidIdentifiers(broken, 'emulator-5554')).toEqual({ model: 'null' });
  });

  it('lists shared preferences of a debuggable app, and nothing when run-as is refused', async () => {
    const ok = createFakeRunner(() => ({ stdout: 'analytics.xml  settings.xml\n' }));
    expect(await listSharedPreferences(ok, 's', 'com.example.news')).toEqual(['analytics.xml', 'settings.xml']);
    const refused = createFakeRunner(() => ({ code: 1, stderr: 'run-as: package not debuggable' }));
    expect(await listSharedPreferences(refused, 's', 'com.example.news')).toEqual([]);
  });
});

describe('iOS', () => {
  it('asks XCUITest for a clean install on the simulator and accepts no alert by itself', () => {
    expect(iosCapabilities({ udid: 'A1B2', app: '/apps/News.app', bundleId: 'com.example.news' })).toMatchObject({
      platformName: 'iOS',
      'appium:automationName': 'XCUITest',
      'appium:udid': 'A1B2',
      'appium:noReset': false,
      'appium:autoAcceptAlerts': false,
    });
  });

  it('trusts the CA with simctl keychain, and fails clearly off macOS', async () => {
    const runner = createFakeRunner();
    await installIosSimulatorCa(runner, 'A1B2', '/ca/ca.pem');
    expect(runner.calls).toEqual(['xcrun simctl keychain A1B2 add-root-cert /ca/ca.pem']);
    const missing = createFakeRunner(() => ({ code: 127, stderr: 'xcrun: not found' }));
    await expect(installIosSimulatorCa(missing, 'A1B2', '/ca/ca.pem')).rejects.toMatchObject({
      code: ErrorCodes.DEVICE_COMMAND,
      hint: expect.stringContaining('macOS'),
    });
  });
});

describe('native UI queries per automation', () => {
  it('iOS queries XCUITest element types and attributes, never Android ones', () => {
    const ios = JSON.stringify(Object.values(nativeUi.ios));
    for (const android of ['clickable', 'checkable', 'resource-id', 'content-desc']) {
      expect(ios).not.toContain(`@${android}`);
      expect(ios).not.toContain(`"${android}"`);
    }
    expect(nativeUi.ios.toggle).toContain('XCUIElementTypeSwitch');
    expect(nativeUi.ios.checked).toEqual({ attribute: 'value', on: '1' });
    expect(nativeSelector('ios', { id: 'ignored', label: 'Accept all' })).toBe('~Accept all');
  });

  it('Android finds controls again by resource id first, then content description', () => {
    expect(nativeUi.android.clickable).toBe('.//*[@clickable="true"]');
    expect(nativeSelector('android', { id: 'com.example:id/accept', label: 'Accept' })).toBe('id=com.example:id/accept');
    expect(nativeSelector('android', { id: null, label: 'Accept' })).toBe('~Accept');
    expect(nativeSelector('android', { id: null, label: null })).toBeNull();
  });
});
