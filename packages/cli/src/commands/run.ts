import { Command, Option } from 'commander';
import type { ScenarioName } from '@conformance/core';
import {
  DEFAULT_OBSERVATION_MS,
  DEFAULT_WEB_DEVICE,
  exitCodeFor,
  runAssessment,
  webDevices,
  type TrackerDatabase,
} from '@conformance/runner';
import { attachmentOptions, consoleProgress, integer, options, scenarioList, whereLines } from '../shared.js';

export function runCommand(): Command {
  return new Command('run')
    .description('assess an app: run the consent scenarios behind the proxy, decide the checks, write the report')
    .addOption(
      new Option('-a, --app <manifest>', 'path of the app manifest (conformance.app.yaml)')
        .env('CONFORMANCE_APP')
        .makeOptionMandatory(),
    )
    .addOption(options.out())
    .addOption(
      new Option(
        '--scenarios <list>',
        "comma-separated scenarios to run (default: every scenario of the app's platform; gpc is web only)",
      ).argParser(scenarioList),
    )
    .addOption(
      new Option('--window <ms>', 'how long each scenario observes traffic after its last action')
        .env('CONFORMANCE_WINDOW_MS')
        .default(DEFAULT_OBSERVATION_MS)
        .argParser(integer('--window')),
    )
    .addOption(
      new Option('--dialog-timeout <ms>', 'how long the consent dialog may take to appear')
        .default(10_000)
        .argParser(integer('--dialog-timeout')),
    )
    .addOption(
      new Option(
        '--scenario-timeout <ms>',
        'deadline of each scenario (default: window + 3 × the journey waits + 90 s)',
      ).argParser(integer('--scenario-timeout')),
    )
    .addOption(
      new Option('--device <name>', 'emulated device profile')
        .env('CONFORMANCE_DEVICE')
        .choices(webDevices)
        .default(DEFAULT_WEB_DEVICE),
    )
    .addOption(
      new Option('--baseline <file>', 'platform baseline to set aside (default: the one "conformance baseline" recorded)').env(
        'CONFORMANCE_BASELINE',
      ),
    )
    .addOption(
      new Option('--device-serial <id>', 'android: adb serial of the emulator or device; ios: simulator UDID').env(
        'CONFORMANCE_DEVICE_SERIAL',
      ),
    )
    .addOption(
      new Option(
        '--remote <webdriver-url>',
        'run on this WebDriver endpoint (Selenium Grid 4, a device farm) instead of a local Appium',
      ).env('CONFORMANCE_REMOTE'),
    )
    .addOption(
      new Option(
        '--proxy-address <host>',
        'address the device uses to reach the proxy (for --remote; the proxy then listens on all interfaces)',
      ).env('CONFORMANCE_PROXY_ADDRESS'),
    )
    .addOption(options.suite())
    .addOption(options.attest())
    .addOption(options.trackers())
    .addOption(attachmentOptions.redact())
    .addOption(attachmentOptions.keepRaw())
    .addOption(
      new Option('--exit-zero', 'exit 0 when the run completes even if checks fail (2 still means the run could not complete)'),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the persona typed into the app')
        .env('CONFORMANCE_SEED')
        .default(1)
        .argParser(integer('--seed')),
    )
    .action(async (opts: RunOptions) => {
      const result = await runAssessment({
        app: opts.app,
        ...(opts.out ? { out: opts.out } : {}),
        ...(opts.scenarios ? { scenarios: opts.scenarios } : {}),
        observationMs: opts.window,
        dialogTimeoutMs: opts.dialogTimeout,
        ...(opts.scenarioTimeout !== undefined ? { scenarioTimeoutMs: opts.scenarioTimeout } : {}),
        device: opts.device,
        seed: opts.seed,
        ...(opts.remote ? { remote: opts.remote } : {}),
        ...(opts.deviceSerial ? { deviceSerial: opts.deviceSerial } : {}),
        ...(opts.baseline ? { baseline: opts.baseline } : {}),
        ...(opts.proxyAddress ? { proxyAddress: opts.proxyAddress } : {}),
        ...(opts.suite ? { suites: opts.suite } : {}),
        ...(opts.attest ? { attest: opts.attest } : {}),
        ...(opts.trackers ? { trackers: opts.trackers } : {}),
        redact: opts.redact ?? false,
        keepRaw: opts.keepRaw ?? false,
        progress: consoleProgress(),
      });
      process.stdout.write(`\n${result.table}\n\n${whereLines(result)}\n`);
      const code = exitCodeFor(result.report);
      process.exitCode = opts.exitZero && code === 1 ? 0 : code;
    });
}

interface RunOptions {
  redact?: boolean;
  keepRaw?: boolean;
  suite?: string[];
  attest?: string;
  trackers?: TrackerDatabase;
  baseline?: string;
  deviceSerial?: string;
  remote?: string;
  proxyAddress?: string;
  exitZero?: boolean;
  app: string;
  out?: string;
  scenarios?: ScenarioName[];
  window: number;
  dialogTimeout: number;
  scenarioTimeout?: number;
  device: string;
  seed: number;
}
