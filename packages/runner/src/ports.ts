import { join } from 'node:path';
import { type AppManifest, type DeviceSession, type ProxyRecord, type RunningProxy } from '@conformance/core';
import {
  chromiumMajorVersion,
  DEFAULT_WEB_DEVICE,
  deviceProfile,
  startAppiumServer,
  type DeviceProfile,
} from '@conformance/driver-appium';
import { startMitmproxy } from '@conformance/proxy-mitmproxy';
import { BundleFiles } from '@conformance/core';
import { createRig, type PlatformRig } from './platforms.js';
import type { Progress } from './progress.js';

/** How one scenario's proxy is to be started. */
export interface ProxyStartOptions {
  journalPath: string;
  /** First-party hosts answered from a local server (host → port). */
  serve: Record<string, number>;
  listenHost?: string;
  advertiseHost?: string;
  /** Evidence caps: one body, and all body bytes of the scenario (bytes). */
  maxBodyBytes?: number;
  maxEvidenceBytes?: number;
  onRecord(record: ProxyRecord): void;
}

export interface DeviceOpenOptions {
  manifest: AppManifest;
  buildPath: string;
  device: DeviceProfile;
  geolocation: { latitude: number; longitude: number; accuracy: number };
  /** Where the device side may keep its logs (appium.log). */
  evidenceDir: string;
  deviceSerial?: string;
  remote?: string;
  progress: Progress;
}

/** The device side of an assessment: where the app starts, how a scenario's session is opened. */
export interface OpenDevice {
  /** The URL a web app opens at; for native apps, the app id. */
  url: string;
  serve: Record<string, number>;
  advertiseHost?: string;
  canaries: PlatformRig['canaries'];
  /**
   * Settles once the device side can open sessions (Appium answers). Until then the first
   * scenarios start their proxies; `openSession` waits for it. Rejects with the reason the
   * device side could not start, which then ends the run.
   */
  ready?: Promise<void>;
  openSession(options: { proxyUrl: string; gpc: boolean }): Promise<DeviceSession>;
  close(): Promise<void>;
}

/**
 * Ports of an assessment: the proxy and the device. The defaults are mitmproxy and Appium
 * (local, or the --remote endpoint); tests pass the fakes of @conformance/testing.
 */
export interface AssessmentPorts {
  startProxy(options: ProxyStartOptions): Promise<RunningProxy>;
  openDevice(options: DeviceOpenOptions): Promise<OpenDevice>;
  /** The emulated device (its user agent carries the browser's version). */
  deviceProfile(name: string | undefined): Promise<DeviceProfile>;
  /** The versions of the tools the run depends on, for run.json; default: ask the installed tools. */
  toolVersions?(): Promise<Record<string, string | null>>;
}

export const defaultAssessmentPorts: AssessmentPorts = {
  startProxy: (options) => startMitmproxy(options),
  async openDevice(options) {
    const rig = await createRig({
      manifest: options.manifest,
      buildPath: options.buildPath,
      device: options.device,
      geolocation: options.geolocation,
      ...(options.deviceSerial ? { deviceSerial: options.deviceSerial } : {}),
    });
    // Appium starts in the background: the first scenarios start their proxies meanwhile.
    if (!options.remote) options.progress.detail('starting Appium');
    const appium: Promise<{ url: string; stop(): Promise<void> }> = options.remote
      ? Promise.resolve({ url: options.remote, stop: async () => undefined })
      : startAppiumServer({ logPath: join(options.evidenceDir, BundleFiles.appiumLog), platforms: [options.manifest.platform] });
    appium.catch(() => undefined);
    return {
      url: rig.url,
      serve: rig.serve,
      ...(rig.advertiseHost ? { advertiseHost: rig.advertiseHost } : {}),
      canaries: rig.canaries,
      ready: appium.then(() => undefined),
      openSession: async ({ proxyUrl, gpc }) => rig.openSession({ appiumUrl: (await appium).url, proxyUrl, gpc }),
      async close() {
        try {
          // A server still starting is waited for, so it never outlives the run.
          await (await appium.catch(() => undefined))?.stop();
        } finally {
          await rig.close();
        }
      },
    };
  },
  deviceProfile: async (name) => deviceProfile(name ?? DEFAULT_WEB_DEVICE, await chromiumMajorVersion()),
};
