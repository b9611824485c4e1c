import { Command, Option } from 'commander';
import { recordBaseline } from '@conformance/runner';
import { consoleProgress, integer } from '../shared.js';

export function baselineCommand(): Command {
  return new Command('baseline')
    .description('record what the browser sends with no app, so assessments set that traffic aside as platform noise')
    .addOption(new Option('--window <ms>', 'how long to observe').default(15_000).argParser(integer('--window')))
    .addOption(new Option('-o, --out <file>', 'where to write it (default: $CONFORMANCE_HOME/baseline/web.json, which run uses)'))
    .action(async (opts: { window: number; out?: string }) => {
      const { file, baseline } = await recordBaseline({
        windowMs: opts.window,
        ...(opts.out ? { out: opts.out } : {}),
        progress: consoleProgress(),
      });
      process.stdout.write(`${baseline.hosts.map((h) => `${h.host}  ${h.flows}`).join('\n')}\n\nbaseline: ${file}\n`);
    });
}
