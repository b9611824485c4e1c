import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { ALLURE_REPORT_DIR, ALLURE_RESULTS_DIR } from './write.js';

export interface GenerateOptions {
  /** One self-contained `index.html` (allure generate --single-file), for archiving. */
  singleFile?: boolean;
  /** Where allure-commandline's output goes (default: nowhere). */
  log?: (line: string) => void;
  /** The environment to find Java in and run allure with (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface GeneratedReport {
  reportDir: string;
  index: string;
  singleFile: boolean;
  /** The previous report's history was carried into this one (trends across runs of the app). */
  historyCarried: boolean;
}

/** The apt package that provides Java for allure-commandline on Debian. */
export const JAVA_APT_PACKAGE = 'openjdk-17-jre-headless';

/** The allure-commandline launcher shipped in the npm package (the generator's jar comes with it). */
export function allureCommand(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('allure-commandline/package.json')), 'dist', 'bin', 'allure');
}

/** The Java the allure launcher will use ($JAVA_HOME/bin/java, else java on the PATH), or null. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidate = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(candidate, ['-version'], { env, stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? null : candidate;
}

/**
 * Generates `<run-dir>/allure-report/` from `<run-dir>/allure-results/` with allure-commandline.
 * The previous report's `history/` is copied into the results first, so the trend graphs of the
 * same app (the run folder is reused run after run) go on from one report to the next.
 */
export async function generateAllureReport(runDir: string, options: GenerateOptions = {}): Promise<GeneratedReport> {
  const dir = resolve(runDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConformanceError(ErrorCodes.REPORT_NOT_FOUND, `${dir} is not a folder`, {
      hint: 'name the output folder of a run (conformance run --out, default reports/<app>)',
    });
  }
  if (!existsSync(join(dir, 'report.json'))) {
    throw new ConformanceError(ErrorCodes.REPORT_NOT_FOUND, `${join(dir, 'report.json')} is missing`, {
      hint: `name the output folder of a run; if it holds evidence/, run: conformance analyze ${runDir}`,
    });
  }
  const resultsDir = join(dir, ALLURE_RESULTS_DIR);
  if (!existsSync(resultsDir)) {
    throw new ConformanceError(ErrorCodes.REPORT_NOT_FOUND, `${resultsDir} is missing`, {
      hint: `write the Allure results from the evidence with: conformance analyze ${runDir}`,
    });
  }
  const env = options.env ?? process.env;
  if (!findJava(env)) {
    throw new ConformanceError(
      ErrorCodes.REPORT_JAVA_MISSING,
      'Allure HTML reports need Java, and there is none on the PATH (nor in $JAVA_HOME)',
      {
        hint: `install it: apt-get update && apt-get install -y ${JAVA_APT_PACKAGE} (or run bash scripts/setup.sh); report.json and allure-results/ are written without it`,
      },
    );
  }
  const reportDir = join(dir, ALLURE_REPORT_DIR);
  const previousHistory = join(reportDir, 'history');
  const historyCarried = existsSync(previousHistory);
  if (historyCarried) {
    await rm(join(resultsDir, 'history'), { recursive: true, force: true });
    await cp(previousHistory, join(resultsDir, 'history'), { recursive: true });
  }
  await numberRun(resultsDir);
  await generate(['generate', resultsDir, '-o', reportDir, '--clean'], env, options);
  if (options.singleFile) {
    // allure generate --single-file writes index.html alone, without the history/ the next
    // report needs for its trends: keep the one the full report just wrote.
    const kept = await mkdtemp(join(tmpdir(), 'conformance-allure-history-'));
    try {
      await cp(join(reportDir, 'history'), kept, { recursive: true });
      await generate(['generate', resultsDir, '-o', reportDir, '--clean', '--single-file'], env, options);
      await cp(kept, join(reportDir, 'history'), { recursive: true });
    } finally {
      await rm(kept, { recursive: true, force: true });
    }
  }
  return { reportDir, index: join(reportDir, 'index.html'), singleFile: options.singleFile ?? false, historyCarried };
}

/**
 * Gives the run the next number after those in the carried history (1 for the first report),
 * as executor.json's `buildOrder`: the trend graphs label their points with it.
 */
async function numberRun(resultsDir: string): Promise<void> {
  const executorFile = join(resultsDir, 'executor.json');
  if (!existsSync(executorFile)) return;
  let previous = 0;
  try {
    const trend = JSON.parse(await readFile(join(resultsDir, 'history', 'history-trend.json'), 'utf8')) as {
      buildOrder?: number;
    }[];
    previous = Math.max(0, ...trend.map((point) => (Number.isSafeInteger(point.buildOrder) ? point.buildOrder! : 0)));
  } catch {
    // no history yet
  }
  const executor = JSON.parse(await readFile(executorFile, 'utf8')) as Record<string, unknown>;
  await writeFile(executorFile, `${JSON.stringify({ ...executor, buildOrder: previous + 1 }, null, 2)}\n`);
}

async function generate(args: string[], env: NodeJS.ProcessEnv, options: GenerateOptions): Promise<void> {
  const { code, output } = await runAllure(args, env);
  for (const line of output.split('\n').filter(Boolean)) options.log?.(line);
  if (code !== 0) {
    throw new ConformanceError(
      ErrorCodes.REPORT_GENERATE,
      `allure ${args.join(' ')} exited with ${code}: ${output.trim().split('\n').slice(-5).join(' / ')}`,
      { hint: 'check that allure-results/ was written by this version of conformance (re-create it with conformance analyze)' },
    );
  }
}

function runAllure(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(allureCommand(), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

/** Whether a browser can be shown here (a desktop session on Linux; always elsewhere). */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Serves a generated report on 127.0.0.1 and opens it in the default browser (`allure open`,
 * which runs until interrupted). Resolves when allure stops.
 */
export function openAllureReport(reportDir: string): Promise<number | null> {
  return new Promise((done, fail) => {
    // On loopback only, as every server the harness starts.
    const child = spawn(allureCommand(), ['open', '--host', '127.0.0.1', reportDir], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', done);
  });
}
