import type { CheckStatus, Report } from '@conformance/core';

const marks: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  'not-applicable': 'N/A',
  inconclusive: 'INCONCLUSIVE',
};

/** The short verdict table printed at the end of a run. */
export function formatVerdictTable(report: Report): string {
  const rows = report.checks.map((check) => [marks[check.status], check.id, check.summary] as const);
  const statusWidth = Math.max('VERDICT'.length, ...rows.map((row) => row[0].length));
  const idWidth = Math.max(5, ...rows.map((row) => row[1].length));
  const lines = [
    `${'VERDICT'.padEnd(statusWidth)}  ${'CHECK'.padEnd(idWidth)}  SUMMARY`,
    ...rows.map(([status, id, summary]) => `${status.padEnd(statusWidth)}  ${id.padEnd(idWidth)}  ${summary}`),
  ];
  const totals = report.totals;
  lines.push(
    '',
    `${report.app.name}: ${totals.pass} pass, ${totals.fail} fail, ${totals.inconclusive} inconclusive, ${totals['not-applicable']} not applicable`,
  );
  const failedScenarios = report.scenarios.filter((scenario) => scenario.status === 'error');
  for (const scenario of failedScenarios) {
    lines.push(`scenario ${scenario.name} did not complete: ${scenario.error?.code} ${scenario.error?.message}`);
  }
  return lines.join('\n');
}
