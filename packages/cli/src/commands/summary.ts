import { Command } from 'commander';
import { formatSummaryText, summarizeReportsDir } from '@conformance/report';
import { consoleProgress } from '../shared.js';

export function summaryCommand(): Command {
  return new Command('summary')
    .description(
      'summarise every <reports-dir>/<app>/report.json into summary.html and summary.json: scores and grades per suite, failed items, failures new since the previous summary, links to the Allure reports',
    )
    .argument('<reports-dir>', 'folder holding one folder per app (conformance run writes reports/<app>/)')
    .action(async (dir: string) => {
      const progress = consoleProgress();
      const result = await summarizeReportsDir(dir, { warn: (message) => progress.warn(message) });
      process.stdout.write(
        `${formatSummaryText(result.summary)}\n\nsummary: ${result.htmlPath}\n         ${result.jsonPath}\n${result.previousPath ? `previous: ${result.previousPath}\n` : ''}`,
      );
    });
}
