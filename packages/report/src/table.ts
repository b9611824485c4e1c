import type { CheckStatus, EvidenceRef, Report } from '@conformance/core';

const marks: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  'not-applicable': 'N/A',
  inconclusive: 'INCONCLUSIVE',
  'not-run': 'NOT RUN',
};

/**
 * Text safe to print on a terminal: escape sequences (CSI, OSC …) and control characters
 * removed, line breaks and tabs turned into spaces. Summaries quote what the app showed or
 * sent (button labels, URLs, policy text), which must never drive the reader's terminal.
 */
export function printable(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u001b\u009b][[()#;?]*(?:\d{1,4}(?:;\d{0,4})*)?[\dA-ORZcf-nqry=><~]/g, '')
      .replace(/[\t\n\r\v\f]+/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  );
}

/** The short verdict table printed at the end of a run. */
export function formatVerdictTable(report: Report): string {
  const rows = report.checks.map((check) => [marks[check.status], check.id, printable(check.summary)] as const);
  const statusWidth = Math.max('VERDICT'.length, ...rows.map((row) => row[0].length));
  const idWidth = Math.max(5, ...rows.map((row) => row[1].length));
  const lines = [
    `${'VERDICT'.padEnd(statusWidth)}  ${'CHECK'.padEnd(idWidth)}  SUMMARY`,
    ...rows.map(([status, id, summary]) => `${status.padEnd(statusWidth)}  ${id.padEnd(idWidth)}  ${summary}`),
  ];
  const totals = report.totals;
  lines.push(
    '',
    `${printable(report.app.name)}: ${totals.pass} pass, ${totals.fail} fail, ${totals.inconclusive} inconclusive, ${totals['not-applicable']} not applicable${totals['not-run'] ? `, ${totals['not-run']} not run` : ''}`,
  );
  const failedScenarios = report.scenarios.filter((scenario) => scenario.status === 'error');
  for (const scenario of failedScenarios) {
    lines.push(`scenario ${scenario.name} did not complete: ${scenario.error?.code} ${printable(scenario.error?.message ?? '')}`);
  }
  return lines.join('\n');
}

/** One line that says what a piece of evidence is. */
export function describeEvidence(ref: EvidenceRef): string {
  switch (ref.kind) {
    case 'flow':
      return `${ref.scenario}: ${ref.method} ${ref.url} (${ref.phase}, ${ref.destination})`;
    case 'scenario':
      return `${ref.scenario}: ${ref.status} — ${ref.detail}`;
    case 'api-event':
      return `${ref.scenario}: ${ref.api} by ${ref.attributedTo} (${ref.phase})`;
    case 'timeline':
      return `${ref.scenario}: ${ref.action}${ref.selector ? ` ${ref.selector}` : ''}${ref.detail ? ` — ${ref.detail}` : ''}`;
    case 'screenshot':
      return `${ref.scenario}: screenshot ${ref.file}`;
    case 'note':
      return ref.detail;
  }
}

const percent = (share: number) => `${Math.round(share * 100)} %`;
const MAX_LINE = 160;
const cut = (text: string) => (text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text);

/**
 * The suites part of the terminal summary: each suite's score, grade and coverage, then the
 * failed items with their clause and one line of evidence.
 */
export function formatSuiteSummary(report: Report): string {
  const rows = report.suites.map((suite) => [
    suite.id,
    suite.score === null ? '-' : suite.score.toFixed(1),
    suite.grade ?? '-',
    percent(suite.coverage),
    [
      `${suite.counts.pass} pass`,
      `${suite.counts.fail} fail`,
      `${suite.counts.inconclusive} inconclusive`,
      `${suite.counts.manual} manual`,
      ...(suite.counts['attested-pass'] + suite.counts['attested-fail']
        ? [`${suite.counts['attested-pass']} attested pass, ${suite.counts['attested-fail']} attested fail`]
        : []),
      `${suite.counts['not-applicable']} n/a`,
      ...(suite.counts['not-run'] ? [`${suite.counts['not-run']} not run`] : []),
    ].join(', '),
  ]);
  const header = ['SUITE', 'SCORE', 'GRADE', 'COVERAGE', 'ITEMS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  const lines = [line(header), ...rows.map(line)];
  const failed = report.suites.flatMap((suite) =>
    suite.items.filter((item) => item.status === 'fail' || item.status === 'attested-fail'),
  );
  if (failed.length > 0) {
    lines.push('', 'Failed items:');
    for (const item of failed) {
      const attested = item.status === 'attested-fail' ? ' (attested, not observed)' : '';
      lines.push(`  ${item.id}  ${printable(item.clause)}  [${item.severity}]  ${printable(item.title)}${attested}`);
      const first = item.evidence[0];
      const why = first ? describeEvidence(first) : item.summary;
      lines.push(`    ${cut(printable(why))}`);
    }
  }
  return lines.join('\n');
}
