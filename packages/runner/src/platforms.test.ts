import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { deviceProfile } from '@conformance/driver-appium';
import { createFakeRunner, makeManifest } from '@conformance/testing';
import { createRig } from './platforms.js';

const base = {
  buildPath: '/apps/news.apk',
  device: deviceProfile('Pixel 7'),
  geolocation: { latitude: 31.2, longitude: 121.4, accuracy: 10 },
};

describe('createRig', () => {
  it('android: needs the device serial, and says how to find it', async () => {
    const manifest = makeManifest({ platform: 'android', appId: 'com.example.news' });
    await expect(createRig({ ...base, manifest })).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      hint: expect.stringContaining('adb devices'),
    });
  });

  it('android: reads the device identifiers first and plants them as canaries; the device reaches the proxy at 10.0.2.2', async () => {
    const runner = createFakeRunner((_c, args) => {
      if (args.includes('android_id')) return { stdout: '9774d56d682e549c' };
      if (args.includes('/sys/class/net/wlan0/address')) return { stdout: '02:00:00:44:55:66' };
      return undefined;
    });
    const rig = await createRig({
      ...base,
      manifest: makeManifest({ platform: 'android', appId: 'com.example.news' }),
      deviceSerial: 'emulator-5554',
      runner,
    });
    expect(rig).toMatchObject({ url: 'com.example.news', serve: {}, advertiseHost: '10.0.2.2' });
    expect(rig.canaries).toEqual([
      { category: 'device-id.app-scoped', kind: 'android-id', value: '9774d56d682e549c' },
      { category: 'device-id.hardware', kind: 'mac', value: '02:00:00:44:55:66' },
    ]);
    expect(runner.calls.every((call) => call.startsWith('adb -s emulator-5554 '))).toBe(true);
  });

  it('android: a session that fails to open (here: no Appium listening) still clears the device proxy it set', async () => {
    const runner = createFakeRunner();
    const rig = await createRig({
      ...base,
      manifest: makeManifest({ platform: 'android', appId: 'com.example.news', webView: true }),
      deviceSerial: 'emulator-5554',
      runner,
    });
    await expect(
      rig.openSession({ appiumUrl: 'http://127.0.0.1:9/', proxyUrl: 'http://127.0.0.1:8123', gpc: true }),
    ).rejects.toMatchObject({ code: ErrorCodes.SESSION_FAILED });
    expect(runner.calls.slice(-2)).toEqual([
      'adb -s emulator-5554 shell settings put global http_proxy 127.0.0.1:8123',
      'adb -s emulator-5554 shell settings put global http_proxy :0',
    ]);
  });

  it('web: serves the build and maps its first-party host to it', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'rig-'));
    const rig = await createRig({ ...base, buildPath: dir, manifest: makeManifest({ firstParty: ['app.example.test'] }) });
    try {
      expect(rig.url).toBe('https://app.example.test/index.html');
      expect(Object.keys(rig.serve)).toEqual(['app.example.test']);
    } finally {
      await rig.close();
    }
  });

  it('web: every first-party host named exactly is served from the build too (an iframe on a sister origin); *. patterns are not', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'rig-'));
    const manifest = makeManifest({ firstParty: ['app.example.test', 'Consent.App-CDN.test', '*.static.example.test'] });
    const rig = await createRig({ ...base, buildPath: dir, manifest });
    try {
      expect(Object.keys(rig.serve).sort()).toEqual(['app.example.test', 'consent.app-cdn.test']);
      expect(new Set(Object.values(rig.serve)).size).toBe(1);
    } finally {
      await rig.close();
    }
  });
});
