import { ConformanceError, ErrorCodes, type CommandRunner } from '@conformance/core';

export interface IosTarget {
  /** Simulator UDID (`xcrun simctl list devices`). */
  udid: string;
  /** The .app under test. */
  app: string;
  bundleId: string;
}

/** Capabilities for appium-xcuitest-driver on a simulator, with a clean install every session. */
export function iosCapabilities(target: IosTarget): WebdriverIO.Capabilities {
  return {
    platformName: 'iOS',
    'appium:automationName': 'XCUITest',
    'appium:udid': target.udid,
    'appium:app': target.app,
    'appium:bundleId': target.bundleId,
    'appium:noReset': false,
    'appium:fullReset': true,
    'appium:autoAcceptAlerts': false,
    'appium:newCommandTimeout': 120,
  } as WebdriverIO.Capabilities;
}

/**
 * Trusts the interception CA on a booted simulator. Simulators use the Mac's network
 * settings, so the proxy itself is set on the host (see docs/PLATFORMS.md).
 */
export async function installIosSimulatorCa(runner: CommandRunner, udid: string, caPem: string): Promise<void> {
  const result = await runner.run('xcrun', ['simctl', 'keychain', udid, 'add-root-cert', caPem]);
  if (result.code !== 0) {
    throw new ConformanceError(
      ErrorCodes.DEVICE_COMMAND,
      `xcrun simctl keychain ${udid} add-root-cert failed: ${(result.stderr || result.stdout).trim()}`,
      {
        hint: 'boot the simulator first (xcrun simctl boot <udid>); this needs macOS with Xcode',
      },
    );
  }
}
