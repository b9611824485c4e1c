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
  /** The loopback port chromedriver listens on; a free one per local session, so runs in parallel never collide. */
  chromedriverPort?: number;
}

/**
 * Hosts under `.invalid` (RFC 6761: they never resolve) that Chromium's update and account
 * services are pointed at, and that bypass the proxy: those requests fail inside the browser,
 * so the update ping's host fingerprint (OS, memory, CPU features) never reaches the evidence.
 */
export const CHROMIUM_SINK_HOSTS = ['update.conformance.invalid', 'gaia.conformance.invalid'] as const;

/**
 * Switches that keep Chromium's own background services quiet and the run headless: no
 * update, time, model-download, account or metrics traffic of the browser's own. Whatever
 * still leaks out is set aside as platform noise by the analyzer.
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
  '--no-pings',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--disable-component-extensions-with-background-pages',
  // The omnibox popups are web pages of the browser's own, preloaded in a renderer even when
  // headless (no omnibox is ever shown): without them a launch costs about 45 % less CPU.
  '--disable-features=OptimizationGuideModelDownloading,OptimizationHintsFetching,OptimizationTargetPrediction,OptimizationHints,NetworkTimeServiceQuerying,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
  `--component-updater=url-source=http://${CHROMIUM_SINK_HOSTS[0]}/`,
  `--gaia-url=http://${CHROMIUM_SINK_HOSTS[1]}/`,
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
    ...(options.chromedriverPort !== undefined ? { 'appium:chromedriverPort': options.chromedriverPort } : {}),
    'appium:autodownloadEnabled': false,
    'appium:newCommandTimeout': 120,
    'goog:chromeOptions': {
      binary: options.chromium ?? paths.chromium,
      args: [
        ...CHROMIUM_BASE_ARGS,
        `--user-data-dir=${options.userDataDir}`,
        `--proxy-server=${options.proxyUrl}`,
        // The app itself is served on loopback: route it through the proxy too. Only the
        // browser's own services, pointed at hosts that never resolve, go around it.
        `--proxy-bypass-list=<-loopback>;${CHROMIUM_SINK_HOSTS.join(';')}`,
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
