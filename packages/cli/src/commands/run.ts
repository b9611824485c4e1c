import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { ScenarioName } from '@conformance/core';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_OBSERVATION_MS,
  DEFAULT_SETTLE_MS,
  DEFAULT_WEB_DEVICE,
  interruptedExitCode,
  runAssessment,
  webDevices,
  type FailOn,
  type TrackerDatabase,
} from '@conformance/runner';
import { formatTiming } from '@conformance/report';
import { attachmentOptions, consoleProgress, gateExitCode, integer, options, scenarioList, whereLines } from '../shared.js';
import { watchInterrupts } from '../interrupt.js';

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
        "comma-separated scenarios to run (default: every scenario that applies to the app; gpc on the web and on Android apps marked webView only)",
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
    .addOption(
      new Option('--concurrency <n>', 'scenarios run at once, each with its own proxy and browser profile (web only)')
        .env('CONFORMANCE_CONCURRENCY')
        .default(DEFAULT_CONCURRENCY)
        .argParser(integer('--concurrency', 1)),
    )
    .addOption(
      new Option(
        '--settle <ms>',
        'the refuse, withdraw and gpc windows end after this long without a request (0: watch every window whole)',
      )
        .env('CONFORMANCE_SETTLE_MS')
        .default(DEFAULT_SETTLE_MS)
        .argParser(integer('--settle')),
    )
    .addOption(options.suite())
    .addOption(options.attest())
    .addOption(options.trackers())
    .addOption(attachmentOptions.redact())
    .addOption(attachmentOptions.keepRaw())
    .addOption(
      new Option('--max-evidence <MiB>', 'body bytes one scenario stores in all; past it bodies are stored cut, marked truncated')
        .env('CONFORMANCE_MAX_EVIDENCE')
        .default(64)
        .argParser(integer('--max-evidence')),
    )
    .addOption(
      new Option('--max-body <MiB>', 'a body longer than this is stored cut, with its full length and SHA-256')
        .env('CONFORMANCE_MAX_BODY')
        .default(16)
        .argParser(integer('--max-body')),
    )
    .addOption(options.waivers())
    .addOption(options.failOn())
    .addOption(options.exitZero())
    .addOption(
      new Option('--seed <n>', 'seed of the persona typed into the app')
        .env('CONFORMANCE_SEED')
        .default(1)
        .argParser(integer('--seed')),
    )
    .action(async (opts: RunOptions) => {
      const progress = consoleProgress();
      // SIGINT/SIGTERM stop the run in order (processes stopped, evidence written and hashed,
      // the report marked interrupted); a second one exits at once.
      const interrupts = watchInterrupts(process, { warn: progress.warn, exit: (code) => process.exit(code) });
      try {
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
          concurrency: opts.concurrency,
          settleMs: opts.settle,
          ...(opts.waivers ? { waivers: opts.waivers } : {}),
          failOn: opts.failOn,
          redact: opts.redact ?? false,
          keepRaw: opts.keepRaw ?? false,
          maxEvidenceBytes: opts.maxEvidence * MiB,
          maxBodyBytes: opts.maxBody * MiB,
          progress,
          signal: interrupts.signal,
        });
        // A signal that came after every scenario had finished cost no observation: the report
        // is whole and not marked, and the run exits with the gate's code.
        const interrupted = result.report.interrupted?.signal;
        if (interrupted) {
          process.stderr.write(
            `interrupted by ${interrupted}: the evidence gathered so far is in ${join(result.outDir, 'evidence')} (hashed in SHA256SUMS), the report in ${result.reportPath}\n`,
          );
          process.exitCode = interruptedExitCode(interrupted);
          return;
        }
        const timing = result.report.timing ? `\n${formatTiming(result.report.timing)}` : '';
        process.stdout.write(`\n${result.table}\n${timing}\n${whereLines(result)}\n`);
        process.exitCode = gateExitCode(result, opts.failOn, opts.exitZero);
      } finally {
        interrupts.dispose();
      }
    });
}

const MiB = 1024 * 1024;

interface RunOptions {
  maxEvidence: number;
  maxBody: number;
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
  waivers?: string;
  failOn: FailOn;
  app: string;
  out?: string;
  scenarios?: ScenarioName[];
  window: number;
  concurrency: number;
  settle: number;
  dialogTimeout: number;
  scenarioTimeout?: number;
  device: string;
  seed: number;
}
