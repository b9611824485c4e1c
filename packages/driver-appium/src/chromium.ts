import type { DeviceProfile } from './devices.js';

/** Where Debian puts Chromium and its driver; `CONFORMANCE_CHROMIUM` / `CONFORMANCE_CHROMEDRIVER` override. */
export function chromiumPaths(env: NodeJS.ProcessEnv = process.env): { chromium: string; chromedriver: string } {
  return {
    chromium: env['CONFORMANCE_CHROMIUM'] ?? '/usr/bin/chromium',
    chromedriver: env['CONFORMANCE_CHROMEDRIVER'] ?? '/usr/bin/chromedriver',
  };
}

export interface WebCapabilitiesOptions {
  proxyUrl: string;
  userDataDir: string;
  device: DeviceProfile;
  chromium?: string;
  chromedriver?: string;
}

/**
 * Switches that keep Chromium's own background services quiet and the run headless.
 * What still leaks out (update checks) is set aside as platform noise by the analyzer.
 */
export const CHROMIUM_BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
] as const;

/** Capabilities for appium-chromium-driver: Debian's Chromium in mobile emulation, every request through the proxy. */
export function webCapabilities(options: WebCapabilitiesOptions): WebdriverIO.Capabilities {
  const paths = chromiumPaths();
  return {
    platformName: 'linux',
    browserName: 'chrome',
    acceptInsecureCerts: true,
    'appium:automationName': 'Chromium',
    'appium:executable': options.chromedriver ?? paths.chromedriver,
    'appium:newCommandTimeout': 120,
    'goog:chromeOptions': {
      binary: options.chromium ?? paths.chromium,
      args: [
        ...CHROMIUM_BASE_ARGS,
        `--user-data-dir=${options.userDataDir}`,
        `--proxy-server=${options.proxyUrl}`,
        // The app itself is served on loopback: route it through the proxy too.
        '--proxy-bypass-list=<-loopback>',
        '--ignore-certificate-errors',
        // The app must not be able to tell it is automated (navigator.webdriver reads false).
        '--disable-blink-features=AutomationControlled',
        `--lang=${options.device.locale}`,
      ],
      excludeSwitches: ['enable-automation'],
      mobileEmulation: {
        deviceMetrics: {
          width: options.device.width,
          height: options.device.height,
          pixelRatio: options.device.pixelRatio,
          touch: options.device.touch,
          mobile: options.device.mobile,
        },
        userAgent: options.device.userAgent,
      },
    },
    // Chromium's network log names the script that started each request.
    'goog:loggingPrefs': { performance: 'ALL' },
  } as WebdriverIO.Capabilities;
}

let major: string | undefined;
/** The installed Chromium's major version (for device user agents), read once. */
export async function chromiumMajorVersion(chromium = chromiumPaths().chromium): Promise<string> {
  if (major) return major;
  const { execFile } = await import('node:child_process');
  major = await new Promise<string>((resolve) =>
    execFile(chromium, ['--version'], { timeout: 10_000 }, (_error, stdout) =>
      resolve(/(\d+)\./.exec(String(stdout))?.[1] ?? '156'),
    ),
  );
  return major;
}
