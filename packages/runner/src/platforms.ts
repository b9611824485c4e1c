import {
  ConformanceError,
  entryUrl,
  ErrorCodes,
  webViewContext,
  type AppManifest,
  type Canary,
  type CommandRunner,
  type DeviceSession,
} from '@conformance/core';
import {
  androidCapabilities,
  clearAndroidProxy,
  iosCapabilities,
  openNativeSession,
  openWebSession,
  processRunner,
  readAndroidIdentifiers,
  serveDirectory,
  setAndroidProxy,
  type DeviceProfile,
} from '@conformance/driver-appium';

/** What one platform contributes to an assessment: where the app starts, how a session is opened, what was planted. */
export interface PlatformRig {
  /** The URL a web app opens at; for native apps, the app id. */
  url: string;
  /** First-party hosts the proxy serves from a local server (web). */
  serve: Record<string, number>;
  /** Address the device uses for the proxy when it is not 127.0.0.1 (the Android emulator's host is 10.0.2.2). */
  advertiseHost?: string;
  /** Values read from the device, planted as canaries. */
  canaries: Canary[];
  openSession(options: { appiumUrl: string; proxyUrl: string; gpc: boolean }): Promise<DeviceSession>;
  close(): Promise<void>;
}

export interface RigOptions {
  manifest: AppManifest;
  buildPath: string;
  device: DeviceProfile;
  geolocation: { latitude: number; longitude: number; accuracy: number };
  /** adb serial (Android) or simulator UDID (iOS). */
  deviceSerial?: string;
  runner?: CommandRunner;
}

export async function createRig(options: RigOptions): Promise<PlatformRig> {
  const { manifest } = options;
  const runner = options.runner ?? processRunner;
  if (manifest.platform === 'web') {
    const site = await serveDirectory(options.buildPath);
    const entry = entryUrl(manifest);
    return {
      url: entry.href,
      serve: servedHosts(manifest, entry, site.port),
      canaries: [],
      openSession: ({ appiumUrl, proxyUrl, gpc }) =>
        openWebSession({
          appiumUrl,
          proxyUrl,
          device: options.device,
          gpc,
          geolocation: options.geolocation,
          origin: entry.origin,
        }),
      close: () => site.close(),
    };
  }
  const serial = options.deviceSerial;
  if (!serial) {
    throw new ConformanceError(ErrorCodes.USAGE, `platform ${manifest.platform} needs the device to use`, {
      hint:
        manifest.platform === 'android'
          ? 'pass --device-serial <adb serial> (see "adb devices")'
          : 'pass --device-serial <simulator UDID> (see "xcrun simctl list devices")',
    });
  }
  const appId = manifest.appId!;
  // gpc runs on a native app only when its manifest marks a web view; the signal is set there.
  const context = webViewContext(manifest);
  const gpcInWebView = context ? { context } : {};
  if (manifest.platform === 'android') {
    const identifiers = await readAndroidIdentifiers(runner, serial);
    const canaries: Canary[] = [
      ...(identifiers.androidId
        ? [{ category: 'device-id.app-scoped' as const, kind: 'android-id', value: identifiers.androidId }]
        : []),
      ...(identifiers.wifiMac ? [{ category: 'device-id.hardware' as const, kind: 'mac', value: identifiers.wifiMac }] : []),
    ];
    return {
      url: appId,
      serve: {},
      advertiseHost: '10.0.2.2',
      canaries,
      async openSession({ appiumUrl, proxyUrl, gpc }) {
        const proxy = new URL(proxyUrl);
        await setAndroidProxy(runner, { serial, proxyHost: proxy.hostname, proxyPort: Number(proxy.port) });
        const session = await openNativeSession({
          platform: 'android',
          appiumUrl,
          appId,
          capabilities: androidCapabilities({ serial, app: options.buildPath, appPackage: appId }),
          ...(gpc ? { gpc: gpcInWebView } : {}),
        }).catch(async (error: unknown) => {
          await clearAndroidProxy(runner, serial).catch(() => undefined);
          throw error;
        });
        return {
          ...session,
          close: async () => {
            try {
              await session.close();
            } finally {
              await clearAndroidProxy(runner, serial);
            }
          },
        };
      },
      close: async () => undefined,
    };
  }
  return {
    url: appId,
    serve: {},
    canaries: [],
    openSession: ({ appiumUrl, gpc }) =>
      openNativeSession({
        platform: 'ios',
        appiumUrl,
        appId,
        capabilities: iosCapabilities({ udid: serial, app: options.buildPath, bundleId: appId }),
        ...(gpc ? { gpc: gpcInWebView } : {}),
      }),
    close: async () => undefined,
  };
}

/**
 * The hosts the proxy answers from the app's build folder: the entry's host and every other
 * first-party host named exactly (not `*.` patterns), so an app can load pages from a second
 * origin of its own, such as a consent dialog served in an iframe from a sister domain.
 */
export function servedHosts(manifest: Pick<AppManifest, 'firstParty'>, entry: URL, port: number): Record<string, number> {
  const hosts = [entry.hostname, ...manifest.firstParty.filter((host) => !host.startsWith('*.'))];
  return Object.fromEntries(hosts.map((host) => [host.toLowerCase(), port]));
}
