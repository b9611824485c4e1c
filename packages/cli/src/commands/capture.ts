import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { readCaptureAsHar } from '@conformance/report';
import { TOOL_VERSION } from '@conformance/runner';

/** `conformance capture …`: work on the proxy capture of one scenario. */
export function captureCommand(): Command {
  const capture = new Command('capture').description('work on the proxy capture of one scenario (its flows.jsonl)');
  capture
    .command('export')
    .exitOverride()
    .description('export a capture in another format')
    .option('--har <scenario-dir-or-journal>', 'write a HAR 1.2 log of the scenario folder (or of the journal file)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { har?: string; out?: string }) => {
      if (!opts.har) {
        throw new ConformanceError(ErrorCodes.USAGE, 'capture export needs a format', {
          hint: 'conformance capture export --har reports/<app>/evidence/<scenario> [--out capture.har]',
        });
      }
      const har = await readCaptureAsHar(opts.har, { name: 'conformance', version: TOOL_VERSION });
      const text = `${JSON.stringify(har, null, 2)}\n`;
      if (opts.out) {
        await writeFile(opts.out, text);
        process.stderr.write(`${har.log.entries.length} entries written to ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
  return capture;
}
