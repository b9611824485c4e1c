import { Command, Option } from 'commander';
import { platforms } from '@conformance/core';
import { runDoctor, type DoctorReport } from '@conformance/runner';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check every external part an assessment needs and say how to fix what is missing')
    .addOption(new Option('--platform <platform>', 'platform to check for').choices(platforms).default('web'))
    .addOption(new Option('--json', 'print the result as JSON'))
    .action(async (opts: { platform: DoctorReport['platform']; json?: boolean }) => {
      const report = await runDoctor(opts.platform);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      process.exitCode = report.ok ? 0 : 1;
    });
}

export function formatDoctor(report: DoctorReport): string {
  const rows = report.checks.map((check) => [
    check.status === 'ok' ? 'ok' : check.required ? check.status.toUpperCase() : `${check.status} (optional)`,
    check.name,
    check.detail,
  ]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`);
  const fixes = report.checks
    .filter((check) => check.status !== 'ok' && check.fix)
    .map((check) => `  ${check.name}: ${check.fix}`);
  if (fixes.length) lines.push('', 'to fix:', ...fixes);
  lines.push('', report.ok ? `ready for the ${report.platform} platform` : `not ready for the ${report.platform} platform`);
  return lines.join('\n');
}
