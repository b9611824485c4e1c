#!/usr/bin/env node
// Fleet benchmark (not run in CI): how long one assessment takes per fixture app, and how fast
// Nx gets through the apps. Usage:
//   npm run bench:fleet -- [--apps news-careful,news-leaky] [--window 6000] [--scenarios idle,accept] [--skip-single] [--skip-throughput]
// Prints, per app, the wall time of `npx conformance run` split into set-up, each scenario and
// analysis + report (from the run's progress lines; the report's `timing` too when it has one);
// then the throughput of `npx nx run-many -t conformance --parallel=1` against `--parallel=2`
// (both with --skip-nx-cache, which neither reads nor writes the cache) over the same apps, and
// the time of a repeated run served from the Nx cache (after one run that fills it). Apps default to every fixture with a conformance.app.yaml except news-hanging
// (it ends in a timeout by design). Build first: npx nx run-many -t build.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    apps: { type: 'string' },
    window: { type: 'string' },
    scenarios: { type: 'string' },
    'skip-single': { type: 'boolean', default: false },
    'skip-throughput': { type: 'boolean', default: false },
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

const work = mkdtempSync(join(tmpdir(), 'conformance-bench-fleet-'));
console.log(`fleet benchmark over ${apps.length} app(s): ${apps.join(', ')}${runArgs.length ? ` (${runArgs.join(' ')})` : ''}`);

if (!values['skip-single']) {
  console.log('\none assessment per app (npx conformance run):');
  for (const name of apps) {
    const out = join(work, name);
    const result = await timed('npx', [
      '--no-install',
      'conformance',
      'run',
      '--app',
      join(appsDir, name, 'conformance.app.yaml'),
      '--out',
      out,
      ...runArgs,
    ]);
    let report;
    try {
      report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    } catch {
      console.log(
        `  ${name}: no report (exit ${result.code}) after ${s(result.seconds)}: ${result.stderr.trim().split('\n').at(-1)}`,
      );
      continue;
    }
    const parts = splitFromProgress(result.stderr, result.seconds);
    const split = parts ? parts.map(([label, seconds]) => `${label} ${s(seconds)}`).join(', ') : 'no split';
    console.log(`  ${name}: ${s(result.seconds)} (exit ${result.code}) — ${split}`);
    // The report's own timing breakdown, when the run records one, as recorded.
    if (report.timing !== undefined) console.log(`    report timing: ${JSON.stringify(report.timing)}`);
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
  runs.push(serial, parallel);
}

/** How many of the apps' conformance tasks Nx served from a cache in a run's output. */
function cacheHits(result) {
  // eslint-disable-next-line no-control-regex
  const plain = (result.stdout + result.stderr).replace(/\u001b\[[0-9;]*m/g, '');
  return [...plain.matchAll(/^> nx run (\S+):conformance\b(.*)$/gm)].filter((match) =>
    /\[(local cache|remote cache|existing outputs match the cache, left as is)\]/.test(match[2]),
  ).length;
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
runs.push(fill, repeated);
if (runs.some((result) => result.code !== 0)) {
  console.log('\nan Nx run failed (a task that could not observe everything exits 2 and is not cached); its output:');
  for (const result of runs.filter((candidate) => candidate.code !== 0)) {
    console.log(result.stdout.split('\n').slice(-15).join('\n'));
  }
}
