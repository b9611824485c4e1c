import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findByEnvironment } from '../../src/reap.js';
import { reportSchema, type CheckResult, type CheckStatus, type Report } from '@conformance/core';

// The real pipeline: the built CLI, mitmdump, Appium with appium-chromium-driver, Debian's Chromium.
export const root = resolve(import.meta.dirname, '..', '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
export const app = (name: string) => join(root, 'fixtures', 'apps', name, 'conformance.app.yaml');

export interface CliResult {
  code: number | null;
  pid: number;
  stdout: string;
  stderr: string;
}

export function conformance(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, pid: child.pid!, stdout, stderr }));
  });
}

/** The run's report.json, validated against the report schema (a report that does not fit fails the test). */
export async function readReport(dir: string): Promise<Report> {
  const data: unknown = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
  const result = reportSchema.safeParse(data);
  if (!result.success) throw new Error(`${dir}/report.json does not fit the report schema:\n${result.error.message}`);
  return data as Report;
}

export const check = (report: Report, id: string): CheckResult => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report`);
  return found;
};

export const statuses = (report: Report, ids: string[]): Record<string, CheckStatus> =>
  Object.fromEntries(ids.map((id) => [id, check(report, id).status]));

/** Command lines of every process on the machine. */
export function processTable(): { pid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: match[2]! }));
}

/** Every live process whose environment holds `name=value`: a process a run started keeps the run's environment wherever it was re-parented. */
export const processesWithEnv = (name: string, value: string) => findByEnvironment(name, value);

/** The installed command exactly as a person types it (`npx conformance …`), in `cwd` (default the workspace root). */
export function npx(args: string[], cwd = root, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((done) => {
    // `--no-install`: npx never fetches a package of that name from the registry if the link were missing.
    const child = spawn('npx', ['--no-install', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, pid: child.pid!, stdout, stderr }));
  });
}
