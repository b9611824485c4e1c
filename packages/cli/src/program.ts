import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '@conformance/runner';
import { analyzeCommand } from './commands/analyze.js';
import { baselineCommand } from './commands/baseline.js';
import { captureCommand } from './commands/capture.js';
import { certifyCommand } from './commands/certify.js';
import { checklistsCommand } from './commands/checklists.js';
import { doctorCommand } from './commands/doctor.js';
import { keysCommand } from './commands/keys.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { verifyCommand } from './commands/verify.js';
import { summaryCommand } from './commands/summary.js';
import { ExitCode, reportError } from './shared.js';

export function createProgram(): Command {
  return new Command('conformance')
    .description(
      'Proves, with evidence, whether an app and its SDKs respect consent, keep optional personal data off and protect payloads.',
    )
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addCommand(runCommand())
    .addCommand(analyzeCommand())
    .addCommand(verifyCommand())
    .addCommand(keysCommand())
    .addCommand(reportCommand())
    .addCommand(checklistsCommand())
    .addCommand(captureCommand())
    .addCommand(baselineCommand())
    .addCommand(doctorCommand())
    .addCommand(summaryCommand())
    .addCommand(certifyCommand());
}

/** Runs the CLI; resolves with the exit code (usage errors are 2, like any run that cannot complete). */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  program.commands.forEach((command) => command.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.incomplete;
    }
    return reportError(error);
  }
}

/**
 * What the process does with an exception that escaped every handler: names it as a fault of
 * the harness (with the stack, for the bug report) and returns exit code 2, "could not complete".
 */
export function unexpectedFailure(error: unknown, stream: NodeJS.WritableStream = process.stderr): number {
  stream.write(
    'error [CONF_UNEXPECTED]: the run stopped on an error the harness did not expect; the evidence written so far stays on disk\n' +
      '  fix: report it with the lines below\n',
  );
  return reportError(error, stream);
}
