import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { app, readReport, root } from './helpers.js';

/**
 * The `conformance` targets that @conformance/nx-plugin infers from each conformance.app.yaml,
 * run through Nx as a user would (`npx nx run-many -t conformance …` at the workspace root):
 * two apps in parallel, then from the cache, then after one app's manifest changed.
 * Both apps pass or do not apply on every check, so each run exits 0 and is cacheable.
 */
const APPS = ['sentry-careful', 'firebase-careful'];
// A seed of its own makes this test's first run a cache miss without --skip-nx-cache (arguments
// after -- are part of the task's hash); all three runs share it.
const ARGS = ['--', '--window=3000', `--seed=${Date.now() % 1_000_000_007}`];

interface NxResult {
  code: number | null;
  output: string;
  /** app → whether Nx served its conformance task from the cache */
  cached: Record<string, boolean>;
}

function nx(args: string[]): Promise<NxResult> {
  return new Promise((done) => {
    const child = spawn('npx', ['nx', ...args], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const cached: Record<string, boolean> = {};
      // Nx colours its output where it decides the terminal can show colour (CI included).
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
      for (const match of plain.matchAll(/^> nx run (\S+):conformance\b(.*)$/gm)) {
        cached[match[1]!] = /\[(local cache|existing outputs match the cache, left as is)\]/.test(match[2]!);
      }
      done({ code, output, cached });
    });
  });
}

// Two full assessments side by side: give them the time a loaded CI machine may need.
const TWO_ASSESSMENTS_MS = 600_000;

const runMany = (...extra: string[]) =>
  nx(['run-many', '-t', 'conformance', '-p', ...APPS, '--parallel=2', '--outputStyle=static', ...extra, ...ARGS]);

const manifest = app(APPS[0]!);
let original: string | undefined;
afterAll(async () => {
  if (original !== undefined) await writeFile(manifest, original);
});

describe('nx run-many -t conformance', () => {
  it(
    'runs two assessments in parallel with no port, profile or report collision, each into reports/<app>',
    async () => {
      // Not --exclude-task-dependencies: the outputs of the builds a target depends on are part
      // of its hash, so a run without them in the task graph hashes differently.
      const first = await runMany();
      expect(first.code, first.output).toBe(0);
      expect(first.cached).toEqual({ 'sentry-careful': false, 'firebase-careful': false });
      for (const name of APPS) {
        const report = await readReport(join(root, 'reports', name));
        expect(report.app.name).toBe(name);
        expect(report.scenarios.map((s) => s.status)).toEqual(Array(6).fill('completed'));
      }
    },
    TWO_ASSESSMENTS_MS,
  );

  it('a second run with no change is served from the cache, and restores a deleted report', async () => {
    await rm(join(root, 'reports', APPS[1]!), { recursive: true, force: true });
    const second = await runMany();
    expect(second.code, second.output).toBe(0);
    expect(second.cached).toEqual({ 'sentry-careful': true, 'firebase-careful': true });
    const restored = await readReport(join(root, 'reports', APPS[1]!));
    expect(restored.app.name).toBe(APPS[1]);
  });

  it(
    'a change to one app’s manifest re-assesses that app only',
    async () => {
      original = await readFile(manifest, 'utf8');
      await writeFile(manifest, `${original}# touched by the nx-targets end-to-end test\n`);
      const third = await runMany();
      expect(third.code, third.output).toBe(0);
      expect(third.cached).toEqual({ 'sentry-careful': false, 'firebase-careful': true });
    },
    TWO_ASSESSMENTS_MS,
  );
});
