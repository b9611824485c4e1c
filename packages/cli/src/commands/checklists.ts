import { Command, Option } from 'commander';
import { describeChecklists, formatChecklists, loadSuiteSelection } from '@conformance/runner';
import { options } from '../shared.js';

export function checklistsCommand(): Command {
  return new Command('checklists')
    .description(
      'list the suites and their items, with a coverage table per instrument (automated, manual, the checks behind them)',
    )
    .addOption(options.suite())
    .addOption(new Option('--json', 'print the list as JSON'))
    .action(async (opts: { suite?: string[]; json?: boolean }) => {
      const suites = await loadSuiteSelection(opts.suite ? { specs: opts.suite } : {});
      const summaries = describeChecklists(suites);
      process.stdout.write(opts.json ? `${JSON.stringify(summaries, null, 2)}\n` : `${formatChecklists(summaries)}\n`);
    });
}
