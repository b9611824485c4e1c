import { Command } from 'commander';
import { analyzeEvidence, type FailOn, type TrackerDatabase } from '@conformance/runner';
import { attachmentOptions, gateExitCode, options, whereLines } from '../shared.js';

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description(
      "re-derive every verdict from a run folder's evidence and re-score it against the suites, with no device, proxy or browser",
    )
    .argument('<run-dir>', 'output folder of a run (it holds evidence/)')
    .addOption(options.out().default(undefined, 'the run folder'))
    .addOption(options.suite())
    .addOption(options.attest())
    .addOption(options.trackers())
    .addOption(options.waivers())
    .addOption(options.failOn())
    .addOption(options.exitZero())
    .addOption(attachmentOptions.redact())
    .addOption(attachmentOptions.keepRaw())
    .action(async (runDir: string, opts: AnalyzeOptions) => {
      const result = await analyzeEvidence(runDir, opts.out ?? runDir, {
        ...(opts.suite ? { suites: opts.suite } : {}),
        ...(opts.attest ? { attest: opts.attest } : {}),
        ...(opts.trackers ? { trackers: opts.trackers } : {}),
        ...(opts.waivers ? { waivers: opts.waivers } : {}),
        redact: opts.redact ?? false,
        keepRaw: opts.keepRaw ?? false,
      });
      process.stdout.write(`${result.table}\n\n${whereLines(result)}\n`);
      const { interrupted } = result.report;
      if (interrupted) {
        process.stderr.write(
          `note: the run was interrupted by ${interrupted.signal} at ${interrupted.at} after ${result.report.scenarios.length} scenario(s); every check lacking its evidence is inconclusive\n`,
        );
      }
      process.exitCode = gateExitCode(result, opts.failOn, opts.exitZero);
    });
}

interface AnalyzeOptions {
  out?: string;
  suite?: string[];
  attest?: string;
  trackers?: TrackerDatabase;
  waivers?: string;
  failOn: FailOn;
  exitZero?: boolean;
  redact?: boolean;
  keepRaw?: boolean;
}
