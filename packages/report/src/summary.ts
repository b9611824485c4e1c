import { SUMMARY_SCHEMA_VERSION, type Report, type Summary, type SummaryApp, type SummaryFailure } from '@conformance/core';
import { printable } from './table.js';

export const SUMMARY_JSON = 'summary.json';
export const SUMMARY_HTML = 'summary.html';
/** The summary a new one replaced, kept beside it: the failure set the new one was compared with. */
export const SUMMARY_PREVIOUS_JSON = 'summary.previous.json';
/** Where `conformance report` writes an app's Allure report, relative to the app's folder. */
export const ALLURE_REPORT_INDEX = 'allure-report/index.html';

/** One app's report as found in the reports folder. */
export interface SummaryInput {
  /** The app's folder, relative to the reports folder. */
  folder: string;
  report: Report;
  /** The Allure report's path relative to the reports folder, or null when there is none. */
  allureReport: string | null;
}

export interface BuildSummaryOptions {
  /** The summary written before this one, if any: its failures are the "previous run". */
  previous?: Summary | null;
  skipped?: Summary['skipped'];
  generatedAt?: Date;
}

const failureKey = (failure: Pick<SummaryFailure, 'app' | 'id'>) => `${failure.app}\u0000${failure.id}`;

/** The fleet summary of the reports found: pure, the files are read and written by the caller. */
export function buildSummary(inputs: readonly SummaryInput[], options: BuildSummaryOptions = {}): Summary {
  const apps = [...inputs].sort((a, b) => a.folder.localeCompare(b.folder)).map((input): SummaryApp => summarizeApp(input));
  const failures = apps.flatMap((app) => app.failures);
  const previous = options.previous ?? null;
  const previousFailures = previous ? previous.apps.flatMap((app) => app.failures) : [];
  const before = new Set(previousFailures.map(failureKey));
  const now = new Set(failures.map(failureKey));
  const present = new Set(apps.map((app) => app.name));
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    previousGeneratedAt: previous?.generatedAt ?? null,
    apps,
    // Without a previous summary nothing is "new": there is nothing to compare with.
    newFailures: previous ? dedupe(failures.filter((failure) => !before.has(failureKey(failure)))) : [],
    resolvedFailures: dedupe(previousFailures.filter((failure) => present.has(failure.app) && !now.has(failureKey(failure)))),
    skipped: [...(options.skipped ?? [])].sort((a, b) => a.folder.localeCompare(b.folder)),
  };
}

function summarizeApp({ folder, report, allureReport }: SummaryInput): SummaryApp {
  const incomplete = report.scenarios.some((scenario) => scenario.status === 'error') || (report.totals.inconclusive ?? 0) > 0;
  return {
    name: report.app.name,
    folder,
    platform: report.app.platform,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    run: report.interrupted ? 'interrupted' : incomplete ? 'incomplete' : 'complete',
    totals: { ...report.totals },
    suites: report.suites.map((suite) => ({
      id: suite.id,
      title: suite.title,
      score: suite.score,
      grade: suite.grade,
      coverage: suite.coverage,
    })),
    failures: report.suites.flatMap((suite) =>
      suite.items
        // `waived`: a failure a waiver in force accepts; still a failure, listed with its status
        .filter((item) => item.status === 'fail' || item.status === 'attested-fail' || (item.status as string) === 'waived')
        .map((item) => ({
          app: report.app.name,
          suite: suite.id,
          id: item.id,
          title: item.title,
          clause: item.clause,
          severity: item.severity,
          status: item.status,
        })),
    ),
    allureReport,
  };
}

/** One entry per app + item id (two reports of the same app name must not double-count). */
function dedupe(failures: SummaryFailure[]): SummaryFailure[] {
  const seen = new Set<string>();
  return failures.filter((failure) => {
    const key = failureKey(failure);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Text as HTML text or attribute value: every character that could open markup is escaped. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A relative link to a file in the reports folder, each path segment percent-encoded. */
function hrefTo(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * summary.html: one self-contained page (styles inline, no script, no remote resource; its
 * Content-Security-Policy forbids scripts). Every value from a report is escaped: app names,
 * item titles and folder names are written by whoever built the app and are treated as hostile.
 */
export function renderSummaryHtml(summary: Summary): string {
  const suiteIds = [...new Set(summary.apps.flatMap((app) => app.suites.map((suite) => suite.id)))].sort();
  const newKeys = new Set(summary.newFailures.map(failureKey));
  const e = escapeHtml;
  const rows = summary.apps.map((app) => {
    const cells = suiteIds.map((id) => {
      const suite = app.suites.find((candidate) => candidate.id === id);
      if (!suite) return '<td class="none">—</td>';
      const score = suite.score === null ? '—' : suite.score.toFixed(1);
      return `<td class="grade-${e(suite.grade ?? 'none')}" title="coverage ${e(percent(suite.coverage))}">${e(suite.grade ?? '—')} <small>${e(score)}</small></td>`;
    });
    const fresh = app.failures.filter((failure) => newKeys.has(failureKey(failure))).length;
    const allure = app.allureReport
      ? `<a href="${e(hrefTo(app.allureReport))}">Allure report</a>`
      : '<span class="muted">not generated</span>';
    return `<tr><th scope="row"><a href="#app-${e(hrefTo(app.folder))}">${e(app.name)}</a></th><td>${e(app.run)}</td>${cells.join('')}<td>${app.failures.length}</td><td${fresh ? ' class="new"' : ''}>${fresh}</td><td>${allure}</td></tr>`;
  });
  const failureList = (failures: readonly SummaryFailure[], mark: boolean, showApp = false) =>
    failures.length === 0
      ? '<p class="muted">none</p>'
      : `<ul>${failures
          .map(
            (failure) =>
              `<li${mark && newKeys.has(failureKey(failure)) ? ' class="new"' : ''}>${showApp ? `<strong>${e(failure.app)}</strong> ` : ''}<code>${e(failure.id)}</code> <span class="sev">[${e(failure.severity)}]</span> ${e(failure.title)} <small>(${e(failure.suite)} ${e(failure.clause)}${failure.status === 'fail' ? '' : `, ${e(failure.status)}`})</small>${mark && newKeys.has(failureKey(failure)) ? ' <strong>new</strong>' : ''}</li>`,
          )
          .join('')}</ul>`;
  const appSections = summary.apps.map(
    (app) =>
      `<section id="app-${e(hrefTo(app.folder))}"><h3>${e(app.name)} <small>(${e(app.folder)}, ${e(app.platform)}, ${e(app.finishedAt)})</small></h3>` +
      `<p>${Object.entries(app.totals)
        .map(([status, count]) => `${e(count)} ${e(status)}`)
        .join(
          ', ',
        )} checks · ${app.allureReport ? `<a href="${e(hrefTo(app.allureReport))}">Allure report</a>` : 'Allure report not generated'}</p>` +
      failureList(app.failures, true) +
      '</section>',
  );
  const newByApp = summary.previousGeneratedAt
    ? failureList(summary.newFailures, false, true)
    : '<p class="muted">no previous summary to compare with: this is the first one in this folder</p>';
  const skipped = summary.skipped.length
    ? `<h2>Skipped folders</h2><ul>${summary.skipped.map((entry) => `<li><code>${e(entry.folder)}</code>: ${e(entry.reason)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>conformance summary</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.muted{color:#777}.new{background:#ffe3e0}.sev{color:#8a1c1c}
.grade-A,.grade-B{background:#dff5df}.grade-C,.grade-D{background:#fff4d6}.grade-E,.grade-F{background:#ffe3e0}
code{font-size:90%}small{color:#555}
</style>
</head>
<body>
<h1>conformance summary</h1>
<p>${summary.apps.length} app(s), generated ${e(summary.generatedAt)}${summary.previousGeneratedAt ? `, compared with the summary of ${e(summary.previousGeneratedAt)}` : ''}.</p>
<h2>New failures since the previous run (${summary.newFailures.length})</h2>
${newByApp}
${summary.resolvedFailures.length ? `<h2>No longer failing (${summary.resolvedFailures.length})</h2>${failureList(summary.resolvedFailures, false, true)}` : ''}
<h2>Apps</h2>
<table>
<thead><tr><th>app</th><th>run</th>${suiteIds.map((id) => `<th>${e(id)}</th>`).join('')}<th>failed items</th><th>new</th><th>Allure</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Failed items per app</h2>
${appSections.join('\n')}
${skipped}
</body>
</html>
`;
}

/** The short text printed by `conformance summary`: one line per app, then the new failures. */
export function formatSummaryText(summary: Summary): string {
  const lines = summary.apps.map((app) => {
    const grades = app.suites.map((suite) => `${suite.id} ${suite.grade ?? '—'}`).join(', ');
    return `${printable(app.name)}: ${app.run}, ${app.failures.length} failed item(s)${grades ? ` — ${grades}` : ''}`;
  });
  lines.push(
    '',
    summary.previousGeneratedAt
      ? `${summary.newFailures.length} new failure(s) since the summary of ${summary.previousGeneratedAt}`
      : 'first summary in this folder: no previous run to compare with',
  );
  for (const failure of summary.newFailures) {
    lines.push(`  NEW ${printable(failure.app)} ${printable(failure.id)} [${failure.severity}] ${printable(failure.title)}`);
  }
  for (const entry of summary.skipped) lines.push(`skipped ${printable(entry.folder)}: ${printable(entry.reason)}`);
  return lines.join('\n');
}
