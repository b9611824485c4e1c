#!/usr/bin/env node
// Soak test of whole assessments (not part of npm test): assesses fixture apps N times in a row
// with the real proxy, Appium and Chromium, then M times through Nx with --parallel=2, and prints
// runs, scenario errors by cause, batches the run recorded vs. batches the fixture SDK counted,
// wall time per run (median, p95), and leftover processes and temporary folders, checked by the
// PIDs each run started. Goal: scenario errors under 1 %, no lost flow, no leftover. Usage:
//   npm run soak -- [--runs 100] [--nx-runs 25] [--apps news-careful,news-leaky] [--scenarios idle,accept,withdraw]
//                   [--window 4000 | --protocol-windows]
// (a window under about 4 s leaves collection.no-timer-driven-beacons too short a quiet stretch;
// --protocol-windows keeps the protocol's own windows, which end once the network has settled).
// An app is a fixture's name, or <name>/<manifest file> for another manifest of the same fixture
// (in a row only, not through Nx).
// Build first (npx nx run-many -t build). Exit code 1 when a goal is missed. The output of every
// run with a scenario error or a lost flow is kept (its folder is printed at the end). SIGINT or
// SIGTERM stops the run in progress in order and prints the figures so far.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setInterval, clearInterval, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    'nx-runs': { type: 'string', default: '25' },
    apps: { type: 'string', default: 'news-careful,news-leaky' },
    scenarios: { type: 'string', default: 'idle,accept,withdraw' },
    window: { type: 'string', default: '4000' },
    'protocol-windows': { type: 'boolean', default: false },
  },
});
const count = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number ≥ 0, not "${values[name]}"`);
    process.exit(2);
  }
  return n;
};
const runs = count('runs');
const nxRuns = count('nx-runs');
const apps = values.apps.split(',').map((name) => name.trim());
const appsDir = join(root, 'fixtures', 'apps');
/** An app is a fixture's name (its conformance.app.yaml), or `<name>/<manifest file>` for another manifest of it. */
const manifestOf = (entry) => (entry.includes('/') ? join(appsDir, entry) : join(appsDir, entry, 'conformance.app.yaml'));
const projectOf = (entry) => entry.split('/')[0];
const label = (entry) => entry.replace('/', ':');
if (nxRuns > 0 && apps.some((entry) => entry.includes('/'))) {
  console.error('an app given as <name>/<manifest> runs in a row only: use --nx-runs 0 with it');
  process.exit(2);
}
/** --window N observes N ms in every window; --protocol-windows keeps the protocol's own (settled) windows. */
const windowArgs = values['protocol-windows'] ? [] : ['--window', values.window];
for (const name of apps.map(projectOf)) {
  if (!existsSync(join(appsDir, name, 'dist'))) {
    console.error(`${name} is not built: run "npx nx run-many -t build" first`);
    process.exit(2);
  }
}
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');

// ---- processes, by PID: every descendant a run started, sampled while it runs ----
function readProc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      state: fields[0],
      ppid: Number(fields[1]),
      start: fields[19],
    };
  } catch {
    return undefined;
  }
}
function descendants(pid) {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter(Boolean);
  const parents = new Set([pid]);
  const found = [];
  for (let grew = true; grew;) {
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
const alive = (proc) => {
  const now = readProc(proc.pid);
  return now !== undefined && now.start === proc.start && now.state !== 'Z';
};
// A profile folder is the run's when it is named after one of its PIDs and was not there before
// the run started: a PID can be reused, and a folder of an earlier process may carry it.
const profilesOf = (pids, before) =>
  readdirSync(tmpdir()).filter(
    (name) => !before.has(name) && [...pids].some((pid) => name.startsWith(`conformance-profile-${pid}-`)),
  );

/** The command running now: a signal to the soak is passed on to it, so it stops in order. */
let current;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`${signal}: stopping the run in progress, then printing the figures so far`);
    current?.kill(signal);
  });
}

/** Runs a command, sampling its process tree every 250 ms; resolves with its exit, time, and what it left. */
function watched(command, args) {
  return new Promise((done) => {
    const started = Date.now();
    const before = new Set(readdirSync(tmpdir()));
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = child;
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const seen = new Map();
    const sample = () => {
      for (const proc of descendants(child.pid)) seen.set(`${proc.pid}:${proc.start}`, proc);
    };
    const timer = setInterval(sample, 250);
    child.on('close', (code) => {
      current = undefined;
      clearInterval(timer);
      const ms = Date.now() - started;
      // Give processes that were told to stop a moment to go.
      setTimeout(() => {
        const started = [...seen.values()];
        const pids = new Set([child.pid, ...started.map((proc) => proc.pid)]);
        done({
          code,
          ms,
          output,
          processes: started.length,
          leftovers: started.filter(alive),
          folders: profilesOf(pids, before),
        });
      }, 1000);
    });
  });
}

// ---- what one report and its evidence say ----
const tally = { scenarios: 0, errors: 0, recorded: 0, blocked: 0, counted: 0, lost: 0, causes: new Map() };
function note(cause, where) {
  tally.causes.set(cause, [...(tally.causes.get(cause) ?? []), where]);
}
function judge(out, label) {
  let report;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  } catch {
    tally.errors++;
    note('no report', label);
    return;
  }
  for (const scenario of report.scenarios) {
    tally.scenarios++;
    const dir = join(out, 'evidence', scenario.name);
    if (scenario.status === 'error') {
      tally.errors++;
      note(
        `${scenario.error?.code}: ${(scenario.error?.message ?? '').replace(/\d+ ms/g, 'N ms').slice(0, 140)}`,
        `${label}/${scenario.name}`,
      );
    }
    // Batches the fixture SDK handed to the network (its own count, saved with the storage) vs. batches the run recorded.
    let counted = 0;
    try {
      const storage = JSON.parse(readFileSync(join(dir, 'storage.json'), 'utf8'));
      for (const origin of storage.origins ?? []) counted += Number(origin.localStorage?.va_sent ?? 0);
    } catch {
      continue; // no storage snapshot (the scenario ended in an error): nothing to compare
    }
    const batch = (host, path, method) =>
      method === 'POST' && host === 'collect.vendor-analytics.test' && path.startsWith('/v1/batch');
    const proxied = readFileSync(join(dir, 'flows.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((r) => r.type === 'flow' && batch(r.host, r.path, r.method)).length;
    // Batches the browser blocked before they reached the proxy (an http:// post from an https
    // page) are evidence too: the run records them as attempts.
    let blocked = 0;
    try {
      for (const attempt of JSON.parse(readFileSync(join(dir, 'attempted.json'), 'utf8'))) {
        const url = new URL(attempt.url);
        if (batch(url.hostname, url.pathname, attempt.method)) blocked++;
      }
    } catch {
      // no attempt file: nothing was blocked
    }
    const recorded = proxied + blocked;
    tally.blocked += blocked;
    tally.counted += counted;
    tally.recorded += recorded;
    if (recorded < counted) {
      tally.lost += counted - recorded;
      note(`lost flows: the SDK counted ${counted}, the run recorded ${recorded}`, `${label}/${scenario.name}`);
    }
  }
}

const leftovers = { processes: 0, folders: 0, reaped: 0, details: [] };
function account(result, label) {
  leftovers.processes += result.leftovers.length;
  leftovers.folders += result.folders.length;
  for (const proc of result.leftovers) leftovers.details.push(`${label}: pid ${proc.pid} (${proc.comm}) still running`);
  for (const folder of result.folders) leftovers.details.push(`${label}: ${join(tmpdir(), folder)} left behind`);
  for (const proc of result.leftovers) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Processes the run did not stop itself, which its last-resort reaper killed (and said so). */
function reaped(result, label) {
  for (const line of result.output.split('\n')) {
    if (!line.includes('were still running after it and were killed')) continue;
    leftovers.reaped++;
    leftovers.details.push(`${label}: ${line.trim()}`);
  }
}

const percentile = (list, p) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
};
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const work = mkdtempSync(join(tmpdir(), 'conformance-soak-'));
/** Where runs with an error or a lost flow are kept (made at the first one). */
let kept;
let nxFailures = 0;
const sequential = [];
const nx = [];
try {
  for (let run = 1; run <= runs; run++) {
    for (const name of apps) {
      const out = join(work, `${label(name)}-${run}`);
      const result = await watched(process.execPath, [
        bin,
        'run',
        '--app',
        manifestOf(name),
        '--out',
        out,
        '--scenarios',
        values.scenarios,
        ...windowArgs,
        '--seed',
        String(run),
      ]);
      sequential.push(result.ms);
      account(result, `${name}#${run}`);
      reaped(result, `${name}#${run}`);
      const before = tally.errors + tally.lost;
      judge(out, `${name}#${run}`);
      // A run with a scenario error or a lost flow keeps its output, to read the cause in.
      if (tally.errors + tally.lost > before) {
        kept ??= mkdtempSync(join(tmpdir(), 'conformance-soak-kept-'));
        renameSync(out, join(kept, `${label(name)}-${run}`));
      } else rmSync(out, { recursive: true, force: true });
      if (stopping) break;
    }
    if (stopping) break;
    console.log(
      `run ${run}/${runs}: ${tally.errors} scenario error(s), ${tally.lost} lost flow(s), ${leftovers.processes + leftovers.folders} leftover(s) so far`,
    );
  }
  for (let run = 1; run <= nxRuns && !stopping; run++) {
    // A seed of its own per run: a cache miss, so each run assesses again.
    const seed = `${Date.now() % 1_000_000_007}`;
    const result = await watched('npx', [
      'nx',
      'run-many',
      '-t',
      'conformance',
      '-p',
      ...apps,
      '--parallel=2',
      '--outputStyle=static',
      '--',
      ...(values['protocol-windows'] ? [] : [`--window=${values.window}`]),
      `--scenarios=${values.scenarios}`,
      `--seed=${seed}`,
    ]);
    nx.push(result.ms);
    account(result, `nx#${run}`);
    reaped(result, `nx#${run}`);
    if (result.code !== 0) nxFailures++;
    if (result.code !== 0)
      note(`nx exited ${result.code}: ${result.output.trim().split('\n').at(-1)?.slice(0, 140)}`, `nx#${run}`);
    for (const name of apps) judge(join(root, 'reports', name), `nx#${run}/${name}`);
    console.log(
      `nx run ${run}/${nxRuns}: ${tally.errors} scenario error(s), ${tally.lost} lost flow(s), ${leftovers.processes + leftovers.folders} leftover(s) so far`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const errorShare = tally.scenarios ? tally.errors / tally.scenarios : 0;
console.log(`
assessments: ${runs} run(s) × ${apps.length} app(s) in a row, ${nxRuns} Nx run(s) of ${apps.length} app(s) with --parallel=2
scenarios:   ${tally.scenarios}, ${tally.errors} error(s) (${(errorShare * 100).toFixed(2)} %)${nxRuns ? `; Nx runs that failed: ${nxFailures}` : ''}
flows:       the SDK counted ${tally.counted} batch(es), the run recorded ${tally.recorded} (${tally.blocked} of them as attempts the browser blocked); lost ${tally.lost}
wall time:   one assessment median ${seconds(percentile(sequential, 50))}, p95 ${seconds(percentile(sequential, 95))}${nx.length ? `; one Nx run (${apps.length} apps) median ${seconds(percentile(nx, 50))}, p95 ${seconds(percentile(nx, 95))}` : ''}
leftovers:   ${leftovers.processes} process(es), ${leftovers.folders} temporary folder(s); ${leftovers.reaped} run(s) whose reaper had to kill a process`);
if (tally.causes.size) console.log('\nby cause:');
for (const [cause, where] of [...tally.causes].sort((a, b) => b[1].length - a[1].length)) {
  console.log(
    `${String(where.length).padStart(4)}  ${cause}\n      ${where.slice(0, 8).join(', ')}${where.length > 8 ? ', …' : ''}`,
  );
}
for (const line of leftovers.details.slice(0, 20)) console.log(`  ${line}`);
if (kept) console.log(`\nthe output of every run with an error or a lost flow is kept in ${kept}`);
if (stopping) console.log('\nstopped early by a signal: the figures cover the runs finished before it');
process.exitCode =
  errorShare < 0.01 && nxFailures === 0 && tally.lost === 0 && leftovers.processes + leftovers.folders === 0 ? 0 : 1;
