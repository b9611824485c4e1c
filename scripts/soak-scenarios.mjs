#!/usr/bin/env node
// Soak test of the scenario engine (not run in CI): assesses the fixture apps again and again
// with the real proxy, Appium and Chromium, and prints the scenario errors by cause. The goal
// is none. Usage:
//   npm run soak:scenarios -- [--runs 20] [--apps news-careful,news-leaky] [--scenarios idle,accept] [--window 2000]
// Apps default to every fixture in fixtures/apps except news-hanging (which errors by design);
// scenarios default to each app's platform defaults. Build the CLI and the fixtures first
// (npx nx run-many -t build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    apps: { type: 'string' },
    scenarios: { type: 'string' },
    window: { type: 'string', default: '2000' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number ≥ 1, not "${values.runs}"`);
  process.exit(2);
}
const appsDir = join(root, 'fixtures', 'apps');
const apps = values.apps
  ? values.apps.split(',').map((name) => name.trim())
  : readdirSync(appsDir).filter((name) => name !== 'news-hanging' && existsSync(join(appsDir, name, 'conformance.app.yaml')));
for (const name of apps) {
  if (!existsSync(join(appsDir, name, 'dist'))) {
    console.error(`${name} is not built: run "npx nx run ${name}:build" (or npx nx run-many -t build) first`);
    process.exit(2);
  }
}
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const work = mkdtempSync(join(tmpdir(), 'conformance-soak-'));
const causes = new Map();
let scenarioCount = 0;
let errorCount = 0;
const started = Date.now();
try {
  for (let run = 1; run <= runs; run++) {
    for (const name of apps) {
      const out = join(work, name);
      const args = [bin, 'run', '--app', join(appsDir, name, 'conformance.app.yaml'), '--out', out, '--window', values.window];
      if (values.scenarios) args.push('--scenarios', values.scenarios);
      const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
      let report;
      try {
        report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      } catch {
        const cause = `no report (exit ${child.status}): ${(child.stderr.trim().split('\n').at(-1) ?? '').slice(0, 160)}`;
        causes.set(cause, [...(causes.get(cause) ?? []), `${name}#${run}`]);
        errorCount++;
        continue;
      }
      const failed = [];
      for (const scenario of report.scenarios) {
        scenarioCount++;
        if (scenario.status !== 'error') continue;
        errorCount++;
        failed.push(
          `${scenario.name} ${scenario.error?.code ?? 'unknown'} (${(scenario.error?.message ?? '').split('\n')[0].slice(0, 120)})`,
        );
        const cause = `${scenario.error?.code ?? 'unknown'}: ${(scenario.error?.message ?? '').replace(/\d+ ms/g, 'N ms').slice(0, 160)}`;
        causes.set(cause, [...(causes.get(cause) ?? []), `${name}/${scenario.name}#${run}`]);
      }
      console.log(`  ${name}: ${report.scenarios.length} scenario(s), ${failed.length ? failed.join(', ') : 'no error'}`);
      rmSync(out, { recursive: true, force: true });
    }
    console.log(`run ${run}/${runs}: ${errorCount} scenario error(s) so far (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${runs} run(s) × ${apps.length} app(s): ${scenarioCount} scenario(s), ${errorCount} error(s)`);
for (const [cause, where] of [...causes].sort((a, b) => b[1].length - a[1].length)) {
  console.log(
    `${String(where.length).padStart(4)}  ${cause}\n      ${where.slice(0, 8).join(', ')}${where.length > 8 ? ', …' : ''}`,
  );
}
process.exitCode = errorCount === 0 ? 0 : 1;
