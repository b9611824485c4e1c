#!/usr/bin/env node
// Fleet benchmark (not run in CI): how long one assessment takes per fixture app, and how fast
// Nx gets through the apps. Usage:
//   npm run bench:fleet -- [--apps news-careful,news-leaky] [--window 6000] [--scenarios idle,accept]
//                          [--compare-fixed] [--skip-single] [--skip-throughput] [--skip-cache]
// Prints, per app, the wall time of `npx conformance run` split into set-up, each scenario and
// analysis + report (from the run's progress lines; the report's `timing` too when it has one);
// with --compare-fixed, each app is also assessed the slow way (`--settle 0 --concurrency 1`:
// every window watched whole, one scenario at a time) and every check's verdict is compared
// with the default run's, so a faster run is shown to decide exactly what the slow one decides;
// then the throughput of `npx nx run-many -t conformance --parallel=1` against `--parallel=2`
// (both with --skip-nx-cache, which neither reads nor writes the cache) over the same apps, and
// the time of a repeated run served from the Nx cache (after one run that fills it). Apps default to every fixture with a conformance.app.yaml except news-hanging
// (it ends in a timeout by design). Build first: npx nx run-many -t build.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    apps: { type: 'string' },
    window: { type: 'string' },
    scenarios: { type: 'string' },
    'skip-single': { type: 'boolean', default: false },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-cache': { type: 'boolean', default: false },
    'compare-fixed': { type: 'boolean', default: false },
  },
});
const appsDir = join(root, 'fixtures', 'apps');
const apps = values.apps
  ? values.apps
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
  : readdirSync(appsDir)
      .filter((name) => name !== 'news-hanging' && existsSync(join(appsDir, name, 'conformance.app.yaml')))
      .sort();
for (const name of apps) {
  if (!existsSync(join(appsDir, name, 'conformance.app.yaml'))) {
    console.error(`no fixture app ${name} (fixtures/apps/${name}/conformance.app.yaml)`);
    process.exit(2);
  }
  if (!existsSync(join(appsDir, name, 'dist'))) {
    console.error(`${name} is not built: run "npx nx run-many -t build" first`);
    process.exit(2);
  }
}
const runArgs = [
  ...(values.window ? ['--window', values.window] : []),
  ...(values.scenarios ? ['--scenarios', values.scenarios] : []),
];

/** Runs a command in the workspace root; resolves with its exit code, output and wall time. */
function timed(command, args, env = {}) {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

const s = (value) => `${value.toFixed(1)} s`;

/** The split of one run from its progress lines: "  12.3s [2/6] scenario accept", "  40.1s   evidence: …". */
function splitFromProgress(stderr, wall) {
  const stamps = [...stderr.matchAll(/^\s*(\d+\.\d)s (\s*)(.*)$/gm)].map((match) => ({ at: Number(match[1]), text: match[3] }));
  const starts = stamps.filter((line) => /^\[\d+\/\d+\] scenario \S+/.test(line.text));
  const evidence = stamps.find((line) => /^evidence: \d+ files hashed/.test(line.text));
  if (starts.length === 0 || !evidence) return null;
  const parts = [['set-up', starts[0].at]];
  for (const [index, start] of starts.entries()) {
    const end = starts[index + 1]?.at ?? evidence.at;
    parts.push([start.text.replace(/^\[\d+\/\d+\] scenario /, ''), end - start.at]);
  }
  parts.push(['analysis+report', wall - evidence.at]);
  return parts;
}

/**
 * The split of one run: from the report's `timing` when it has one (scenarios that ran at once
 * overlap, so each is given with its own wall time), else from the progress lines. `start-up`
 * is what passed before the assessment began (npx, loading the command).
 */
function splitOf(result) {
  const timing = result.report?.timing;
  if (!timing) {
    const parts = splitFromProgress(result.stderr, result.seconds);
    return parts ? parts.map(([label, seconds]) => `${label} ${s(seconds)}`).join(', ') : 'no split';
  }
  const sec = (ms) => s(ms / 1000);
  const scenarios = timing.scenarios.map((scenario) => `${scenario.name} ${sec(scenario.wallMs)}`).join(' ');
  return (
    `assessment ${sec(timing.totalMs)} = set-up ${sec(timing.setupMs)} + scenarios ${sec(timing.scenariosMs)} ` +
    `(${timing.concurrency} at a time: ${scenarios}) + analysis ${sec(timing.analysisMs)} + report ${sec(timing.reportMs)}; ` +
    `start-up ${s(Math.max(0, result.seconds - timing.totalMs / 1000))}`
  );
}

const work = mkdtempSync(join(tmpdir(), 'conformance-bench-fleet-'));
console.log(`fleet benchmark over ${apps.length} app(s): ${apps.join(', ')}${runArgs.length ? ` (${runArgs.join(' ')})` : ''}`);

/** One `npx conformance run` of an app into its own folder: exit code, wall time, report (when written). */
async function assess(name, out, extra = []) {
  const result = await timed('npx', [
    '--no-install',
    'conformance',
    'run',
    '--app',
    join(appsDir, name, 'conformance.app.yaml'),
    '--out',
    out,
    ...runArgs,
    ...extra,
  ]);
  let report;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  } catch {
    report = undefined;
  }
  return { ...result, report };
}

/** Checks whose verdict differs between two reports of one app: [id, status in a, status in b]. */
function verdictDiff(a, b) {
  const statuses = (report) => new Map(report.checks.map((check) => [check.id, check.status]));
  const [left, right] = [statuses(a), statuses(b)];
  const ids = [...new Set([...left.keys(), ...right.keys()])].sort();
  return ids.filter((id) => left.get(id) !== right.get(id)).map((id) => [id, left.get(id) ?? '-', right.get(id) ?? '-']);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

if (!values['skip-single']) {
  console.log(
    `\none assessment per app (npx conformance run${values['compare-fixed'] ? ', then --settle 0 --concurrency 1' : ''}):`,
  );
  const walls = [];
  const assessments = [];
  const fixedWalls = [];
  let same = 0;
  let compared = 0;
  for (const name of apps) {
    const result = await assess(name, join(work, name));
    if (!result.report) {
      console.log(
        `  ${name}: no report (exit ${result.code}) after ${s(result.seconds)}: ${result.stderr.trim().split('\n').at(-1)}`,
      );
      continue;
    }
    walls.push(result.seconds);
    if (result.report.timing) assessments.push(result.report.timing.totalMs / 1000);
    console.log(`  ${name}: ${s(result.seconds)} (exit ${result.code}) — ${splitOf(result)}`);
    if (values['compare-fixed']) {
      const fixed = await assess(name, join(work, `${name}.fixed`), ['--settle', '0', '--concurrency', '1']);
      if (!fixed.report) {
        console.log(`    fixed-window run: no report (exit ${fixed.code}) after ${s(fixed.seconds)}`);
        continue;
      }
      fixedWalls.push(fixed.seconds);
      compared++;
      const diff = verdictDiff(fixed.report, result.report);
      if (diff.length === 0 && fixed.code === result.code) same++;
      console.log(
        `    fixed-window run: ${s(fixed.seconds)} (exit ${fixed.code}); verdicts ${
          diff.length === 0
            ? `identical (${result.report.checks.length} checks)`
            : `DIFFER: ${diff.map((d) => d.join(' ')).join('; ')}`
        }${fixed.code === result.code ? '' : `; exit codes differ (${fixed.code} vs ${result.code})`}`,
      );
    }
  }
  console.log(
    `  ${walls.length}/${apps.length} apps reported; wall time median ${s(median(walls))}, max ${s(Math.max(...walls))}, ` +
      `${walls.filter((wall) => wall <= 30).length} at or under 30 s; the assessment alone (report timing) median ` +
      `${s(median(assessments))}, max ${s(Math.max(...assessments))}, ${assessments.filter((time) => time <= 30).length} at or under 30 s`,
  );
  if (values['compare-fixed']) {
    console.log(
      `  fixed-window runs: median ${s(median(fixedWalls))}; verdicts and exit code identical in ${same}/${compared} apps`,
    );
  }
}

const nxEnv = { NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' };
const nxArgs = (...extra) => [
  'nx',
  'run-many',
  '-t',
  'conformance',
  '-p',
  apps.join(','),
  '--outputStyle=static',
  ...extra,
  ...(runArgs.length ? ['--', ...runArgs] : []),
];
// The fixture builds come from the cache either way; run them first so the timed runs measure assessments.
await timed('npx', ['nx', 'run-many', '-t', 'build', '-p', apps.join(','), '--outputStyle=static'], nxEnv);

const runs = [];
if (!values['skip-throughput']) {
  console.log('\nnx run-many -t conformance (--skip-nx-cache):');
  const serial = await timed('npx', nxArgs('--parallel=1', '--skip-nx-cache'), nxEnv);
  console.log(
    `  --parallel=1: ${s(serial.seconds)} (exit ${serial.code}), ${(apps.length / (serial.seconds / 60)).toFixed(2)} apps/min`,
  );
  const parallel = await timed('npx', nxArgs('--parallel=2', '--skip-nx-cache'), nxEnv);
  console.log(
    `  --parallel=2: ${s(parallel.seconds)} (exit ${parallel.code}), ${(apps.length / (parallel.seconds / 60)).toFixed(2)} apps/min`,
  );
  console.log(`  speed-up of --parallel=2: ${(serial.seconds / parallel.seconds).toFixed(2)}×`);
  serial.label = '--parallel=1';
  parallel.label = '--parallel=2';
  runs.push(serial, parallel);
}

/** A run's output without its colour codes. */
function plainOutput(result) {
  // eslint-disable-next-line no-control-regex
  return (result.stdout + result.stderr).replace(/\u001b\[[0-9;]*m/g, '');
}

/** How many of the apps' conformance tasks Nx served from a cache in a run's output. */
function cacheHits(result) {
  const plain = plainOutput(result);
  return [...plain.matchAll(/^> nx run (\S+):conformance\b(.*)$/gm)].filter((match) =>
    /\[(local cache|remote cache|existing outputs match the cache, left as is)\]/.test(match[2]),
  ).length;
}

/**
 * The apps whose conformance task failed in an Nx run (Nx's "Failed tasks:" list), each with
 * the lines of its own output that say why (errors, warnings, inconclusive checks).
 */
function failedTasks(result) {
  const plain = plainOutput(result);
  const list = plain.slice(plain.lastIndexOf('Failed tasks:'));
  const names = plain.includes('Failed tasks:') ? [...list.matchAll(/^- (\S+):conformance\s*$/gm)].map((match) => match[1]) : [];
  return names.map((name) => {
    const start = plain.indexOf(`> nx run ${name}:conformance`);
    const end = start < 0 ? -1 : plain.indexOf('> nx run ', start + 1);
    const own = start < 0 ? '' : plain.slice(start, end < 0 ? undefined : end);
    const why = own.split('\n').filter((line) => /error|warning|inconclusive|exited with/i.test(line));
    return { name, why: why.slice(0, 6) };
  });
}

/** Names every task that failed in the runs, and why, so a failure is never only an exit code. */
function reportFailures(results) {
  const failed = results.filter((result) => result.code !== 0);
  if (failed.length === 0) return;
  console.log(
    '\nNx runs that failed (a task that could not observe everything, or whose verdict is inconclusive, exits 2 and is not cached):',
  );
  for (const result of failed) {
    const tasks = failedTasks(result);
    console.log(
      `  ${result.label}: exit ${result.code}, ${tasks.length} failed task(s)${tasks.length ? `: ${tasks.map((task) => task.name).join(', ')}` : ''}`,
    );
    for (const task of tasks) for (const line of task.why) console.log(`    ${task.name}: ${line.trim()}`);
    if (tasks.length === 0) console.log(result.stdout.split('\n').slice(-15).join('\n'));
  }
}

if (values['skip-cache']) {
  reportFailures(runs);
  process.exit(0);
}
console.log('\nthe Nx cache (--parallel=2, no change in between):');
const fill = await timed('npx', nxArgs('--parallel=2'), nxEnv);
console.log(
  `  first run (assesses what the cache lacks): ${s(fill.seconds)} (exit ${fill.code}), ${cacheHits(fill)}/${apps.length} from the cache`,
);
const repeated = await timed('npx', nxArgs('--parallel=2'), nxEnv);
console.log(
  `  repeated run: ${s(repeated.seconds)} (exit ${repeated.code}), ${cacheHits(repeated)}/${apps.length} from the cache`,
);
fill.label = 'cache fill';
repeated.label = 'repeated run';
runs.push(fill, repeated);
reportFailures(runs);
