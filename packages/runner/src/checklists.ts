import type { LoadedSuite } from '@conformance/checks';
import type { SuiteItem } from '@conformance/core';
import { printable } from '@conformance/report';

/** One suite as `conformance checklists` lists it: its items and a coverage table per instrument. */
export interface ChecklistSummary {
  id: string;
  title: string;
  source: string;
  instruments: {
    id: string;
    title: string;
    version: string;
    items: number;
    automated: number;
    manual: number;
    /** The checks behind its automated items. */
    checks: string[];
  }[];
  items: Pick<SuiteItem, 'id' | 'instrument' | 'clause' | 'title' | 'severity' | 'weight' | 'mode' | 'checks'>[];
}

export function describeChecklists(suites: readonly LoadedSuite[]): ChecklistSummary[] {
  return suites.map(({ suite, file }) => ({
    id: suite.id,
    title: suite.title,
    source: file,
    instruments: suite.instruments.map((instrument) => {
      const items = suite.items.filter((item) => item.instrument === instrument.id);
      return {
        id: instrument.id,
        title: instrument.title,
        version: instrument.version,
        items: items.length,
        automated: items.filter((item) => item.mode === 'automated').length,
        manual: items.filter((item) => item.mode === 'manual').length,
        checks: [...new Set(items.flatMap((item) => item.checks))].sort(),
      };
    }),
    items: suite.items.map(({ id, instrument, clause, title, severity, weight, mode, checks }) => ({
      id,
      instrument,
      clause,
      title,
      severity,
      weight,
      mode,
      checks,
    })),
  }));
}

/** The text `conformance checklists` prints: per suite, the coverage table per instrument, then the items. */
export function formatChecklists(summaries: readonly ChecklistSummary[]): string {
  if (summaries.length === 0) return 'no suites (add suites/<id>/suite.yaml, or give --suite <folder>)';
  return summaries
    .map((summary) => {
      const lines = [`${summary.id} — ${summary.title}`, `  ${summary.source}`, ''];
      lines.push(
        ...table(
          ['INSTRUMENT', 'VERSION', 'ITEMS', 'AUTOMATED', 'MANUAL', 'CHECKS'],
          summary.instruments.map((i) => [
            i.id,
            i.version,
            String(i.items),
            String(i.automated),
            String(i.manual),
            i.checks.join(', ') || '-',
          ]),
        ).map((line) => `  ${line}`),
        '',
      );
      lines.push(
        ...table(
          ['ITEM', 'CLAUSE', 'SEVERITY', 'MODE', 'CHECKS'],
          summary.items.map((item) => [item.id, item.clause, item.severity, item.mode, item.checks.join(', ') || '-']),
        ).map((line) => `  ${line}`),
      );
      return lines.join('\n');
    })
    .join('\n\n');
}

function table(header: string[], rows: string[][]): string[] {
  const cells = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}
