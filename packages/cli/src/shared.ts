import { isAbsolute, relative } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { isConformanceError, type ScenarioName, scenarioNames } from '@conformance/core';
import type { AssessmentResult, FailOn, Progress } from '@conformance/runner';
import { DEFAULT_FAIL_ON, exitCodeFor, failOnLevels, trackerDatabaseNames } from '@conformance/runner';

/** Exit codes: 0 all checks pass, 1 a check failed, 2 the run could not be completed or the input was wrong. */
export const ExitCode = { ok: 0, checkFailed: 1, incomplete: 2 } as const;

export function integer(name: string, min = 0) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return parsed;
  };
}

export function scenarioList(value: string): ScenarioName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(scenarioNames as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown scenario "${name}" (known: ${scenarioNames.join(', ')})`);
    }
  }
  return names as ScenarioName[];
}

/** A comma-separated list of suite ids or folders. */
export function suiteList(value: string): string[] {
  const specs = value
    .split(',')
    .map((spec) => spec.trim())
    .filter(Boolean);
  if (specs.length === 0) throw new InvalidArgumentError('give at least one suite id or folder');
  return specs;
}

/** Option fragments shared by commands; each maps to a CONFORMANCE_* variable. */
export const options = {
  out: () => new Option('-o, --out <dir>', 'output folder (report.json, evidence/)').env('CONFORMANCE_OUT'),
  suite: () =>
    new Option(
      '--suite <id|folder>[,…]',
      'suites to score against: built-in ids (conformance checklists lists them) or folders holding a suite.yaml (default: every built-in suite)',
    )
      .env('CONFORMANCE_SUITE')
      .argParser(suiteList),
  attest: () =>
    new Option(
      '--attest <file.yaml>',
      'outcomes of manual suite items recorded by a person (reported as attested, never observed)',
    ).env('CONFORMANCE_ATTEST'),
  trackers: () =>
    new Option(
      '--trackers <database>',
      'tracker database that names third-party hosts: default (permissively licensed data) or ghostery (the Ghostery Tracker Database, CC-BY-NC-SA-4.0, non-commercial use only); no verdict depends on it',
    )
      .env('CONFORMANCE_TRACKERS')
      .choices([...trackerDatabaseNames]),
  failOn: () =>
    new Option(
      '--fail-on <severity>',
      'exit 1 when a suite item of this severity or above failed (with no suite: a failed check of that default severity); any: every failure; none: never (waived items never count)',
    )
      .env('CONFORMANCE_FAIL_ON')
      .choices([...failOnLevels])
      .default(DEFAULT_FAIL_ON),
  waivers: () =>
    new Option(
      '--waivers <file.yaml>',
      'accepted failures with reason, owner and expiry (default: conformance.waivers.yaml beside the manifest; analyze: the copy in the evidence)',
    ).env('CONFORMANCE_WAIVERS'),
  exitZero: () =>
    new Option(
      '--exit-zero',
      'exit 0 when the run completes even if the gate fails (2 still means the run could not complete); overrides --fail-on',
    ),
};

/** Options of the Allure results' attachments, on run and analyze. */
export const attachmentOptions = {
  redact: () =>
    new Option(
      '--redact',
      'mask every personal-data value the findings point at in the Allure attachments (excerpts, HAR slices)',
    ).env('CONFORMANCE_REDACT'),
  keepRaw: () =>
    new Option(
      '--keep-raw',
      'keep the recorded bodies in the Allure attachments (default: only the excerpts of the personal data found)',
    ).env('CONFORMANCE_KEEP_RAW'),
};

/** A path relative to the current folder when it is inside it (shorter, and a command shown with it works as typed). */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The lines after the verdict table and the suite summary: where the reports are. */
export function whereLines(
  result: { reportPath: string; allureResults: string; outDir: string; junitPath?: string; sarifPath?: string },
  cwd = process.cwd(),
): string {
  const shown = (path: string) => shownPath(path, cwd);
  return [
    `report: ${shown(result.reportPath)}`,
    ...(result.junitPath ? [`junit: ${shown(result.junitPath)}`] : []),
    ...(result.sarifPath ? [`sarif: ${shown(result.sarifPath)}`] : []),
    `allure results: ${shown(result.allureResults)} (HTML: conformance report ${shown(result.outDir)})`,
  ].join('\n');
}

/** The exit code of a finished run under the gate: --fail-on, then --exit-zero turns a failed gate (1) into 0. */
export function gateExitCode(result: AssessmentResult, failOn: FailOn, exitZero = false): number {
  const code = exitCodeFor(result.report, failOn);
  return exitZero && code === 1 ? ExitCode.ok : code;
}

/** Progress lines go to stderr, so stdout carries only the verdict table. */
export function consoleProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  return {
    step: (message) => stream.write(`${stamp()} ${message}\n`),
    detail: (message) => stream.write(`${stamp()}   ${message}\n`),
    warn: (message) => stream.write(`${stamp()}   warning: ${message}\n`),
  };
}

/** Prints an error the way a person can act on it and returns the exit code for it. */
export function reportError(error: unknown, stream: NodeJS.WritableStream = process.stderr): number {
  if (isConformanceError(error)) {
    stream.write(`error [${error.code}]: ${error.describe()}\n`);
  } else {
    stream.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  return ExitCode.incomplete;
}
