import { Command } from 'commander';
import { analyzeEvidence, exitCodeFor, type TrackerDatabase } from '@conformance/runner';
import { attachmentOptions, options, whereLines } from '../shared.js';

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
    .addOption(attachmentOptions.redact())
    .addOption(attachmentOptions.keepRaw())
    .action(async (runDir: string, opts: AnalyzeOptions) => {
      const result = await analyzeEvidence(runDir, opts.out ?? runDir, {
        ...(opts.suite ? { suites: opts.suite } : {}),
        ...(opts.attest ? { attest: opts.attest } : {}),
        ...(opts.trackers ? { trackers: opts.trackers } : {}),
        redact: opts.redact ?? false,
        keepRaw: opts.keepRaw ?? false,
      });
      process.stdout.write(`${result.table}\n\n${whereLines(result)}\n`);
      process.exitCode = exitCodeFor(result.report);
    });
}

interface AnalyzeOptions {
  out?: string;
  suite?: string[];
  attest?: string;
  trackers?: TrackerDatabase;
  redact?: boolean;
  keepRaw?: boolean;
}
