import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app, npx, readReport, root } from './helpers.js';

/**
 * `--remote`: the run drives a WebDriver endpoint it did not start. Here the endpoint is a
 * second Appium server started on its own port, the way a Selenium Grid node or a device farm
 * is someone else's server; the run must use it and start no Appium of its own.
 */
let work: string;
let appium: ChildProcess | undefined;
let url: string;
let appiumLog: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-remote-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  appiumLog = join(work, 'remote-appium.log');
  // Drivers are npm dependencies of the workspace: APPIUM_HOME points Appium at them.
  appium = spawn(
    'npx',
    ['--no-install', 'appium', 'server', '--address', '127.0.0.1', '--port', String(port), '--log-no-colors', '--log', appiumLog],
    { cwd: root, env: { ...process.env, APPIUM_HOME: root }, stdio: 'ignore', detached: true },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || appium.exitCode !== null) throw new Error(`the Appium server on ${url} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 90_000);

afterAll(async () => {
  // The whole process group this test started (npx and the Appium server under it).
  if (appium?.pid && appium.exitCode === null) {
    const exited = new Promise((resolve) => appium!.once('exit', resolve));
    process.kill(-appium.pid, 'SIGTERM');
    await exited;
  }
});

describe('npx conformance run --remote', () => {
  it('runs every scenario on the separately started Appium server and starts none of its own', async () => {
    const out = join(work, 'news-careful');
    const result = await npx([
      'conformance',
      'run',
      '--app',
      app('news-careful'),
      '--remote',
      url,
      '--out',
      out,
      '--scenarios',
      'idle,accept',
      '--window',
      '1500',
    ]);
    // Two scenarios of six: the exit code depends on which checks stay undecided; a failed
    // session would leave its scenario in error, which the statuses below would show.
    expect([0, 1, 2], result.stderr).toContain(result.code);
    expect(result.stderr).not.toContain('starting Appium');
    const report = await readReport(out);
    expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([
      ['idle', 'completed'],
      ['accept', 'completed'],
    ]);
    expect(report.scenarios.every((scenario) => scenario.flows > 0)).toBe(true);
    // news-careful sends its analytics after accept only: the run observed it through the remote session.
    expect(report.checks.find((check) => check.id === 'consent.no-third-party-before-choice')?.status).toBe('pass');
    const run = JSON.parse(await readFile(join(out, 'evidence', 'run.json'), 'utf8'));
    expect(run.remote).toBe(url);
    // The remote server's own log shows the two sessions, created and deleted.
    const log = await readFile(appiumLog, 'utf8');
    expect(log.match(/\[HTTP\] --> POST \/session \{/g) ?? []).toHaveLength(2);
    expect(log.match(/\[HTTP\] --> DELETE \/session\/[0-9a-f-]+/g) ?? []).toHaveLength(2);
  });
});
