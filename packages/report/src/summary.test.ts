import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countStatuses,
  itemStatuses,
  REPORT_SCHEMA_VERSION,
  summarySchema,
  type CheckResult,
  type ItemResult,
  type Report,
} from '@conformance/core';
import { buildSummary, escapeHtml, formatSummaryText, renderSummaryHtml } from './summary.js';
import { summarizeReportsDir } from './summary-files.js';

function item(id: string, status: ItemResult['status'], title = `item ${id}`): ItemResult {
  return {
    id,
    instrument: 'Rule book',
    clause: `§${id}`,
    title,
    severity: 'high',
    weight: 1,
    mode: 'automated',
    status,
    summary: 's',
    checks: [],
    evidence: [],
  };
}

function makeReport(name: string, items: ItemResult[], checks: CheckResult[] = []): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'conformance', version: '0.1.0' },
    app: { name, platform: 'web', manifest: `/apps/${name}/conformance.app.yaml` },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:30.000Z',
    device: 'Pixel 7',
    scenarios: [{ name: 'idle', status: 'completed', observationMs: 3000, flows: 2, evidenceDir: 'evidence/idle' }],
    platformNoise: { hosts: [], flows: 0 },
    checks,
    totals: countStatuses(checks),
    suites: [
      {
        id: 'acme',
        title: 'Acme rules',
        source: '/suites/acme',
        score: 50,
        grade: 'F',
        coverage: 1,
        automatedCoverage: 1,
        // every item status the schema knows, so the report stays valid when statuses are added
        counts: Object.fromEntries(itemStatuses.map((status) => [status, 0])) as Report['suites'][number]['counts'],
        items,
      },
    ],
  };
}

describe('buildSummary', () => {
  it('lists per app its suites with score and grade and its failed items (observed and attested), not the passed ones', () => {
    const summary = buildSummary([
      {
        folder: 'news',
        report: makeReport('news', [item('acme.1', 'fail'), item('acme.2', 'pass'), item('acme.3', 'attested-fail')]),
        allureReport: 'news/allure-report/index.html',
      },
    ]);
    expect(summarySchema.safeParse(summary).success).toBe(true);
    expect(summary.apps[0]!.suites).toEqual([{ id: 'acme', title: 'Acme rules', score: 50, grade: 'F', coverage: 1 }]);
    expect(summary.apps[0]!.failures.map((failure) => [failure.id, failure.status])).toEqual([
      ['acme.1', 'fail'],
      ['acme.3', 'attested-fail'],
    ]);
    expect(summary.apps[0]!.allureReport).toBe('news/allure-report/index.html');
  });

  it('says how each run ended: complete, incomplete (an inconclusive check), interrupted (a signal)', () => {
    const clean = makeReport('clean', [item('acme.1', 'pass')]);
    const inconclusive = {
      ...makeReport('inconclusive', [item('acme.1', 'pass')]),
      totals: { ...clean.totals, inconclusive: 1 },
    };
    const stopped = {
      ...makeReport('stopped', [item('acme.1', 'pass')]),
      interrupted: { signal: 'SIGTERM', at: '2026-01-01T00:00:10.000Z' },
    };
    const summary = buildSummary(
      [clean, inconclusive, stopped].map((report) => ({ folder: report.app.name, report, allureReport: null })),
    );
    expect(summarySchema.safeParse(summary).success).toBe(true);
    expect(Object.fromEntries(summary.apps.map((app) => [app.name, app.run]))).toEqual({
      clean: 'complete',
      inconclusive: 'incomplete',
      stopped: 'interrupted',
    });
  });

  it('marks nothing new on the first summary, then exactly the app + item ids that were not failing before', () => {
    const first = buildSummary([
      { folder: 'a', report: makeReport('a', [item('acme.1', 'fail'), item('acme.2', 'pass')]), allureReport: null },
      { folder: 'b', report: makeReport('b', [item('acme.1', 'pass')]), allureReport: null },
    ]);
    expect(first.newFailures).toEqual([]);
    expect(first.previousGeneratedAt).toBeNull();

    const second = buildSummary(
      [
        // a: acme.1 still fails (not new), acme.2 now fails (new)
        { folder: 'a', report: makeReport('a', [item('acme.1', 'fail'), item('acme.2', 'fail')]), allureReport: null },
        // b: acme.1 fails now; the same item id failed before, but in another app: new for b
        { folder: 'b', report: makeReport('b', [item('acme.1', 'fail')]), allureReport: null },
      ],
      { previous: first, generatedAt: new Date('2026-02-01T00:00:00Z') },
    );
    expect(second.previousGeneratedAt).toBe(first.generatedAt);
    expect(second.newFailures.map((failure) => `${failure.app} ${failure.id}`)).toEqual(['a acme.2', 'b acme.1']);
    expect(second.resolvedFailures).toEqual([]);

    const third = buildSummary(
      [{ folder: 'a', report: makeReport('a', [item('acme.1', 'pass'), item('acme.2', 'fail')]), allureReport: null }],
      { previous: second },
    );
    expect(third.newFailures).toEqual([]);
    // b is gone from the folder: its failure is not "resolved", only a's acme.1 is
    expect(third.resolvedFailures.map((failure) => `${failure.app} ${failure.id}`)).toEqual(['a acme.1']);
  });
});

describe('renderSummaryHtml', () => {
  const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">\'`&';

  it('escapes every app-controlled text: app name, folder, item title and id, suite title', () => {
    const report = makeReport(hostile, [item(`acme.<b>1</b>`, 'fail', hostile)]);
    report.suites[0]!.id = `<i>suite</i>`;
    const html = renderSummaryHtml(
      buildSummary([{ folder: `x"><script>alert(3)</script>`, report, allureReport: `x"><script>/allure-report/index.html` }], {
        // a previous summary without it: its failure is listed as new, with the app's name
        previous: buildSummary([]),
      }),
    );
    expect(html).toContain('New failures since the previous run (1)');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>|<i>/);
    expect(html).not.toMatch(/onerror="/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    // no attribute value is closed early by a quote from the data
    expect(html).not.toContain('x">');
    // a script could not run even so: the page forbids scripts
    expect(html).toContain(`default-src 'none'`);
  });

  it('is one self-contained page: no script, no external resource; Allure linked when present, "not generated" otherwise', () => {
    const html = renderSummaryHtml(
      buildSummary([
        { folder: 'with', report: makeReport('with', [item('acme.1', 'fail')]), allureReport: 'with/allure-report/index.html' },
        { folder: 'without', report: makeReport('without', []), allureReport: null },
      ]),
    );
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
    expect(html).toContain('href="with/allure-report/index.html"');
    expect(html).toContain('not generated');
  });

  it('escapeHtml leaves no character that opens markup or closes an attribute', () => {
    expect(escapeHtml(`<>&"'\``)).toBe('&#60;&#62;&#38;&#34;&#39;&#96;');
    expect(escapeHtml('plain text 同意')).toBe('plain text 同意');
  });

  it('flags the new failures in the page', () => {
    const first = buildSummary([{ folder: 'a', report: makeReport('a', []), allureReport: null }]);
    const second = buildSummary([{ folder: 'a', report: makeReport('a', [item('acme.9', 'fail')]), allureReport: null }], {
      previous: first,
    });
    const html = renderSummaryHtml(second);
    expect(html).toContain('New failures since the previous run (1)');
    expect(html).toMatch(/<li class="new"><code>acme\.9<\/code>/);
    expect(html).toContain('<li><strong>a</strong> <code>acme.9</code>');
    expect(formatSummaryText(second)).toContain('NEW a acme.9 [high]');
  });
});

describe('summarizeReportsDir', () => {
  async function reportsDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'summary-'));
    await mkdir(join(dir, 'good'));
    await writeFile(join(dir, 'good', 'report.json'), JSON.stringify(makeReport('good', [item('acme.1', 'fail')])));
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'report.json'), '{"schemaVersion": 2, "app": 3}');
    return dir;
  }

  it('skips with a warning every folder without a valid report, writes summary.json and summary.html, and keeps the previous summary', async () => {
    const dir = await reportsDir();
    const warnings: string[] = [];
    const first = await summarizeReportsDir(dir, { warn: (message) => warnings.push(message) });
    expect(first.summary.apps.map((app) => app.name)).toEqual(['good']);
    expect(first.summary.skipped.map((entry) => entry.folder)).toEqual(['broken', 'empty']);
    expect(warnings.join('\n')).toMatch(/skipping broken\/: report\.json does not fit the report schema/);
    expect(warnings.join('\n')).toMatch(/skipping empty\/: no report\.json/);
    expect(first.previousPath).toBeNull();
    expect(summarySchema.parse(JSON.parse(await readFile(first.jsonPath, 'utf8'))).apps).toHaveLength(1);
    expect(await readFile(first.htmlPath, 'utf8')).toContain('<h1>conformance summary</h1>');

    await writeFile(
      join(dir, 'good', 'report.json'),
      JSON.stringify(makeReport('good', [item('acme.1', 'fail'), item('acme.2', 'fail')])),
    );
    const second = await summarizeReportsDir(dir);
    expect(second.summary.newFailures.map((failure) => failure.id)).toEqual(['acme.2']);
    expect(JSON.parse(await readFile(second.previousPath!, 'utf8')).generatedAt).toBe(first.summary.generatedAt);
  });

  it('refuses a folder with no valid report at all, and a path that is not a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'summary-'));
    await expect(summarizeReportsDir(dir)).rejects.toMatchObject({ code: 'CONF_USAGE' });
    await expect(summarizeReportsDir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'CONF_USAGE' });
  });
});
