import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport, root } from './helpers.js';

/** `npx conformance …` at the workspace root, exactly as the README shows it. */
function npxConformance(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('npx', ['conformance', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// Checks that need only the idle scenario: a run of idle alone decides them.
const IDLE_ONLY = ['consent.reject-on-first-layer', 'consent.no-preticked-boxes', 'consent.notice-discloses'];

describe('conformance run --scenarios idle: a partial run gates on the checks it ran', () => {
  it('exits 0 on news-careful: the checks that need other scenarios are not-run, none inconclusive', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-partial-careful-'));
    const run = await npxConformance([
      'run',
      '--scenarios',
      'idle',
      '--app',
      'fixtures/apps/news-careful/conformance.app.yaml',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = await readReport(out);
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([['idle', 'completed']]);
    expect(report.totals.inconclusive).toBe(0);
    expect(report.totals.fail).toBe(0);
    for (const id of IDLE_ONLY) expect(report.checks.find((c) => c.id === id)?.status, id).toBe('pass');
    // Listed, with the scenario they lack.
    const gpc = report.checks.find((c) => c.id === 'gpc.honoured')!;
    expect(gpc.status).toBe('not-run');
    expect(gpc.evidence[0]).toMatchObject({ kind: 'scenario', scenario: 'gpc', status: 'not-run' });
    expect(report.totals['not-run']).toBeGreaterThan(10);
    expect(run.stdout).toMatch(/NOT RUN\s+gpc\.honoured/);
    expect(run.stdout).toMatch(/not run/);
    // A partial run gets no grade: a grade speaks for the whole suite.
    expect(report.suites.every((suite) => suite.grade === null)).toBe(true);
    expect(report.suites.some((suite) => suite.counts['not-run'] > 0)).toBe(true);
  });

  it('exits 1 on news-leaky: its SDK sends before any choice, which idle alone observes', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-partial-leaky-'));
    const run = await npxConformance([
      'run',
      '--scenarios',
      'idle',
      '--app',
      'fixtures/apps/news-leaky/conformance.app.yaml',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(1);
    const report = await readReport(out);
    expect(report.checks.find((c) => c.id === 'consent.no-third-party-before-choice')?.status).toBe('fail');
    // Its notice never says how to withdraw (news-careful's does).
    expect(report.checks.find((c) => c.id === 'consent.notice-discloses')?.status).toBe('fail');
    expect(report.totals.inconclusive).toBe(0);
    expect(report.checks.find((c) => c.id === 'consent.refusal-respected')?.status).toBe('not-run');
  });
});
