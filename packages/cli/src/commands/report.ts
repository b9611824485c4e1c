import { Command, Option } from 'commander';
import { generateAllureReport, hasDisplay, openAllureReport } from '@conformance/runner';
import { shownPath } from '../shared.js';

export function reportCommand(): Command {
  return new Command('report')
    .description(
      "generate the Allure HTML report of a run folder (<run-dir>/allure-report) from its allure-results, carrying the previous report's history",
    )
    .argument('<run-dir>', 'output folder of a run (it holds report.json and allure-results/)')
    .addOption(new Option('--single-file', 'write one self-contained index.html (to archive or send)'))
    .addOption(
      new Option(
        '--open',
        'open the report in the default browser through a local web server (allure open; runs until Ctrl-C); without a display it prints how to open it',
      ),
    )
    .action(async (runDir: string, opts: { singleFile?: boolean; open?: boolean }) => {
      const generated = await generateAllureReport(runDir, { singleFile: opts.singleFile ?? false });
      process.stdout.write(
        `allure report: ${shownPath(generated.index)}${generated.singleFile ? ' (one self-contained file)' : ''}\n` +
          `history: ${generated.historyCarried ? 'carried from the previous report' : 'none yet (the next report of this folder shows trends)'}\n`,
      );
      if (!opts.open) return;
      if (!hasDisplay()) {
        process.stdout.write(
          `no display here: open ${generated.singleFile ? shownPath(generated.index) : `it over http, e.g. npx allure open --host 127.0.0.1 ${shownPath(generated.reportDir)}`} in a browser\n`,
        );
        return;
      }
      await openAllureReport(generated.reportDir);
    });
}
