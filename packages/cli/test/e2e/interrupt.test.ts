import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { app, npx, readReport, root } from './helpers.js';

const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');

interface Proc {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, it names one process even if the pid is reused. */
  start: string;
  state: string;
  args: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { pid, state: fields[0]!, ppid: Number(fields[1]), start: fields[19]!, args };
  } catch {
    return undefined;
  }
}

/** Every process descended from `pid`, read from /proc. */
function descendants(pid: number): Proc[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter((proc): proc is Proc => proc !== undefined);
  const found: Proc[] = [];
  const parents = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const proc of all) {
      if (parents.has(proc.ppid) && !parents.has(proc.pid)) {
        parents.add(proc.pid);
        found.push(proc);
        grew = true;
      }
    }
  }
  return found;
}

/** Those of the processes still alive (same pid and start time, not a zombie). */
function survivors(procs: Proc[]): Proc[] {
  return procs.filter((proc) => {
    const now = readProc(proc.pid);
    return now !== undefined && now.start === proc.start && now.state !== 'Z';
  });
}

const profiles = (pid: number) => readdirSync(tmpdir()).filter((name) => name.startsWith(`conformance-profile-${pid}-`));

interface Interrupted {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
  /** The run's processes, read just before the signal. */
  started: Proc[];
  /** Browser profiles of the run, seen just before the signal. */
  profilesBefore: string[];
}

/**
 * Starts `conformance run` as a user would, waits until the progress output shows `ready`,
 * then sends the signal(s), `gapMs` apart, and waits for the exit.
 */
function interruptRun(args: string[], ready: (stderr: string) => boolean, signals: NodeJS.Signals[], gapMs = 0) {
  return new Promise<Interrupted>((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let started: Proc[] = [];
    let profilesBefore: string[] = [];
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && ready(stderr)) {
        sent = true;
        started = descendants(child.pid!);
        profilesBefore = profiles(child.pid!);
        signals.forEach((signal, index) => setTimeout(() => child.kill(signal), index * gapMs));
      }
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, pid: child.pid!, started, profilesBefore }));
  });
}

const afterLine = (marker: string, then: string) => (text: string) => {
  const at = text.indexOf(marker);
  return at >= 0 && text.indexOf(then, at) >= 0;
};

function sumsHold(evidence: string): void {
  // sha256sum -c exits non-zero (and execFileSync throws) on any missing or altered file.
  execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: evidence });
}

// Scenarios run one at a time here (--concurrency 1), so "the second scenario" means one thing.
describe('an interrupted run', () => {
  it('SIGINT mid-scenario: processes stopped, the evidence written, hashed and marked, exit 130 with one line', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-sigint-'));
    const run = await interruptRun(
      [
        'run',
        '--app',
        app('news-careful'),
        '--out',
        out,
        '--scenarios',
        'idle,accept',
        '--window',
        '20000',
        '--concurrency',
        '1',
      ],
      afterLine('[1/2] scenario idle', 'observing for'),
      ['SIGINT'],
    );
    expect(run.code, run.stderr).toBe(130);
    // The run had started its proxy, Appium, chromedriver and Chromium: none survives it.
    for (const tool of [/engine\.py|mitmdump/, /appium/, /chromedriver/, /chromium/]) {
      expect(
        run.started.some((proc) => tool.test(proc.args)),
        String(tool),
      ).toBe(true);
    }
    expect(survivors(run.started)).toEqual([]);
    expect(run.profilesBefore.length).toBe(1);
    expect(profiles(run.pid)).toEqual([]);
    const evidence = join(out, 'evidence');
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('interrupted by'));
    expect(lines).toEqual([
      `interrupted by SIGINT: the evidence gathered so far is in ${evidence} (hashed in SHA256SUMS), the report in ${join(out, 'report.json')}`,
    ]);
    sumsHold(evidence);
    const runJson = JSON.parse(await readFile(join(evidence, 'run.json'), 'utf8'));
    expect(runJson.interrupted).toMatchObject({ signal: 'SIGINT' });
    const report = await readReport(out);
    expect(report.interrupted).toMatchObject({ signal: 'SIGINT' });
    expect(report.scenarios).toEqual([
      expect.objectContaining({ name: 'idle', status: 'error', error: expect.objectContaining({ code: 'CONF_INTERRUPTED' }) }),
    ]);
    // The idle scenario was cut short and accept never ran: nothing is decided, nothing passes;
    // checks of scenarios never requested stay not-run.
    expect(report.checks.filter((c) => c.status !== 'inconclusive' && c.status !== 'not-run')).toEqual([]);
    for (const id of [
      'consent.reject-on-first-layer',
      'consent.no-third-party-before-choice',
      'optional.location-off-by-default',
    ]) {
      expect(report.checks.find((c) => c.id === id)?.status, id).toBe('inconclusive');
    }
    // What idle recorded before the signal is kept.
    const journal = await readFile(join(evidence, 'idle', 'flows.jsonl'), 'utf8');
    expect(journal).toContain('news-careful.example.test');
  });

  it('SIGTERM in the second scenario: the first keeps its verdicts, the rest is inconclusive, exit 143', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-sigterm-'));
    const run = await interruptRun(
      ['run', '--app', app('news-careful'), '--out', out, '--scenarios', 'idle,accept', '--window', '8000', '--concurrency', '1'],
      afterLine('[2/2] scenario accept', 'observing for'),
      ['SIGTERM'],
    );
    expect(run.code, run.stderr).toBe(143);
    expect(run.started.some((proc) => /chromium/.test(proc.args))).toBe(true);
    expect(survivors(run.started)).toEqual([]);
    expect(profiles(run.pid)).toEqual([]);
    const evidence = join(out, 'evidence');
    expect(run.stderr).toContain(`interrupted by SIGTERM: the evidence gathered so far is in ${evidence}`);
    sumsHold(evidence);
    expect(JSON.parse(await readFile(join(evidence, 'run.json'), 'utf8')).interrupted).toMatchObject({ signal: 'SIGTERM' });
    const report = await readReport(out);
    expect(report.interrupted).toMatchObject({ signal: 'SIGTERM' });
    expect(report.scenarios.map((s) => [s.name, s.status, s.error?.code])).toEqual([
      ['idle', 'completed', undefined],
      ['accept', 'error', 'CONF_INTERRUPTED'],
    ]);
    const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
    // Decided on idle alone, which completed.
    expect(status('consent.reject-on-first-layer')).toBe('pass');
    // They need accept, which was cut short.
    expect(status('consent.no-third-party-before-choice')).toBe('inconclusive');
    expect(status('optional.location-off-by-default')).toBe('inconclusive');
  });

  it('SIGINT during set-up: a whole bundle with no scenario, which verify and analyze accept and judge the same', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-sigint-setup-'));
    const run = await interruptRun(
      ['run', '--app', app('news-careful'), '--out', out, '--scenarios', 'idle,accept', '--concurrency', '1'],
      (stderr) => stderr.includes('starting Appium'),
      ['SIGINT'],
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).not.toContain('scenario idle');
    expect(survivors(run.started)).toEqual([]);
    expect(profiles(run.pid)).toEqual([]);
    const evidence = join(out, 'evidence');
    sumsHold(evidence);
    const report = await readReport(out);
    expect(report).toMatchObject({ interrupted: { signal: 'SIGINT' }, scenarios: [] });
    expect(report.checks.filter((c) => c.status !== 'inconclusive' && c.status !== 'not-run')).toEqual([]);
    expect(report.totals.inconclusive).toBeGreaterThan(0);

    const verified = await npx(['conformance', 'verify', out]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(
      new RegExp(`^OK \\d+ file hash\\(es\\) match SHA256SUMS; .*; ${report.checks.length} check\\(s\\)`, 'm'),
    );

    const analyzed = await npx(['conformance', 'analyze', out]);
    // Every check it decides is inconclusive: the gate says "could not observe" (2).
    expect(analyzed.code, analyzed.stderr).toBe(2);
    expect(analyzed.stderr).toContain('note: the run was interrupted by SIGINT at');
    const again = await readReport(out);
    expect(again.interrupted).toEqual(report.interrupted);
    expect(again.scenarios).toEqual([]);
    expect(again.checks.map((c) => [c.id, c.status])).toEqual(report.checks.map((c) => [c.id, c.status]));
    expect(again.suites.map((suite) => [suite.id, suite.score, suite.grade])).toEqual(
      report.suites.map((suite) => [suite.id, suite.score, suite.grade]),
    );
  });

  it('a second signal exits at once, and still leaves no browser profile behind', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-sigint2-'));
    const run = await interruptRun(
      ['run', '--app', app('news-careful'), '--out', out, '--scenarios', 'idle', '--window', '20000'],
      afterLine('[1/1] scenario idle', 'observing for'),
      ['SIGINT', 'SIGINT'],
      200,
    );
    try {
      expect(run.code, run.stderr).toBe(130);
      expect(run.stderr).toContain('second SIGINT: exiting now');
      expect(run.profilesBefore.length).toBe(1);
      expect(profiles(run.pid)).toEqual([]);
    } finally {
      // A forced exit does not wait for the run's processes: end those it left.
      for (const proc of survivors(run.started)) process.kill(proc.pid, 'SIGKILL');
    }
  });
});

describe('a run whose reader went away', () => {
  it('its progress pipe closed mid-scenario: the run carries on to its whole bundle and exits with its verdicts, leaving no process', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-closed-pipe-'));
    const result = await new Promise<{ code: number | null; started: Proc[]; stdout: string }>((done, fail) => {
      const child = spawn(
        process.execPath,
        [bin, 'run', '--app', app('news-careful'), '--out', out, '--scenarios', 'idle', '--window', '4000'],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      let stdout = '';
      let started: Proc[] = [];
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (started.length === 0 && afterLine('scenario idle', 'observing for')(stderr)) {
          started = descendants(child.pid!);
          // The reading end goes away, as when a pipe into `head` or a log collector closes: the
          // run's next progress line meets EPIPE.
          child.stderr.destroy();
        }
      });
      child.on('error', fail);
      child.on('close', (code) => done({ code, started, stdout }));
    });
    // Not 2 (the run died) and not an interrupt: the exit code of the verdicts.
    expect([0, 1]).toContain(result.code);
    expect(result.started.some((proc) => /chromium/.test(proc.args))).toBe(true);
    expect(survivors(result.started)).toEqual([]);
    // The verdict table still reached the stdout that was still read.
    expect(result.stdout).toContain('consent.reject-on-first-layer');
    const evidence = join(out, 'evidence');
    sumsHold(evidence);
    const runJson = JSON.parse(await readFile(join(evidence, 'run.json'), 'utf8'));
    expect(runJson.interrupted).toBeUndefined();
    const report = await readReport(out);
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([['idle', 'completed']]);
    expect(report.checks.find((c) => c.id === 'consent.reject-on-first-layer')?.status).toBe('pass');
  });
});
