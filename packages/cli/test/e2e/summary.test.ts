import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarySchema, type Summary } from '@conformance/core';
import { app, npx, readReport } from './helpers.js';

/**
 * `npx conformance summary <dir>` over real assessments written into one reports folder by
 * `npx conformance run`, twice: between the two summaries news-careful is assessed again with
 * the gpc scenario as well, where it keeps sending analytics (it ignores Global Privacy Control),
 * so the items that gpc.honoured decides fail for the first time and must be flagged new.
 */
const WINDOW = '1500';

async function assess(dir: string, name: string, scenarios: string): Promise<void> {
  const out = join(dir, name);
  const result = await npx([
    'conformance',
    'run',
    '--app',
    app(name),
    '--out',
    out,
    '--scenarios',
    scenarios,
    '--window',
    WINDOW,
  ]);
  // Some scenarios only: the exit code depends on which checks stay undecided; every scenario must complete.
  expect([0, 1, 2], result.stderr).toContain(result.code);
  const report = await readReport(out);
  expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual(
    scenarios.split(',').map((name) => [name, 'completed']),
  );
}

async function summary(dir: string): Promise<{ summary: Summary; stdout: string; stderr: string; html: string }> {
  const result = await npx(['conformance', 'summary', dir]);
  expect(result.code, result.stderr).toBe(0);
  return {
    summary: summarySchema.parse(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'))),
    stdout: result.stdout,
    stderr: result.stderr,
    html: await readFile(join(dir, 'summary.html'), 'utf8'),
  };
}

describe('npx conformance summary', () => {
  it('summarises the apps of a reports folder and flags the failures that are new since the previous summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-e2e-summary-'));
    await assess(dir, 'news-careful', 'accept');
    await assess(dir, 'news-leaky', 'idle');
    // A folder that is not an app's report folder is skipped with a warning, not fatal.
    await mkdir(join(dir, 'stray'));
    await writeFile(join(dir, 'stray', 'report.json'), '{"not": "a report"}');

    const first = await summary(dir);
    expect(first.summary.apps.map((entry) => [entry.name, entry.folder])).toEqual([
      ['news-careful', 'news-careful'],
      ['news-leaky', 'news-leaky'],
    ]);
    expect(first.stderr).toMatch(/warning: skipping stray\/: report\.json does not fit the report schema/);
    expect(first.summary.skipped.map((entry) => entry.folder)).toEqual(['stray']);
    expect(first.summary.previousGeneratedAt).toBeNull();
    expect(first.summary.newFailures).toEqual([]);
    const leaky = first.summary.apps.find((entry) => entry.name === 'news-leaky')!;
    // news-leaky sends its device id before any choice: the consent items fail; every built-in suite has its row.
    expect(leaky.failures.map((failure) => failure.id)).toContain('cn-gbt-35273.5-4');
    expect(leaky.suites.map((suite) => suite.id)).toContain('cn-gbt-35273');
    expect(first.html).toContain('<th>cn-gbt-35273</th>');
    // No Allure report was generated for these runs.
    expect(leaky.allureReport).toBeNull();
    expect(first.html).toContain('not generated');
    const careful = first.summary.apps.find((entry) => entry.name === 'news-careful')!;
    expect(careful.failures.some((failure) => failure.suite === 'us-ccpa-gpc')).toBe(false);

    // The next night news-careful is also assessed with Global Privacy Control on.
    await assess(dir, 'news-careful', 'accept,gpc');
    const second = await summary(dir);
    expect(second.summary.previousGeneratedAt).toBe(first.summary.generatedAt);
    const fresh = second.summary.newFailures;
    expect(fresh.length).toBeGreaterThan(0);
    expect(new Set(fresh.map((failure) => failure.app))).toEqual(new Set(['news-careful']));
    expect(fresh.map((failure) => failure.suite)).toContain('us-ccpa-gpc');
    // What failed before is not new.
    const before = new Set(careful.failures.map((failure) => failure.id));
    expect(fresh.filter((failure) => before.has(failure.id))).toEqual([]);
    expect(second.stdout).toMatch(/NEW news-careful us-ccpa-gpc\.\S+ \[/);
    expect(second.html).toMatch(/New failures since the previous run \([1-9]\d*\)/);
    expect(second.html).toContain('<strong>new</strong>');
    // The summary it replaced is kept beside it.
    const kept = summarySchema.parse(JSON.parse(await readFile(join(dir, 'summary.previous.json'), 'utf8')));
    expect(kept.generatedAt).toBe(first.summary.generatedAt);
  });
});
