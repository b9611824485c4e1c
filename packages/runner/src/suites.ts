import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { closestMatch, ConformanceError, ErrorCodes, type Attestation, type Platform } from '@conformance/core';
import {
  indexAttestations,
  loadSuites,
  parseAttestationFile,
  scoreSuite,
  type LoadedSuite,
  type SuiteSource,
} from '@conformance/checks';
import type { CheckResult, SuiteResult } from '@conformance/core';

export const SUITE_FILE = 'suite.yaml';

/**
 * The workspace's built-in suites folder (`suites/` at the root of the workspace this package
 * is installed in), found by walking up from this file; undefined when there is none.
 */
export function builtInSuitesDir(from: string = import.meta.dirname): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'suites');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The ids of the built-in suites: folders of `suites/` that hold a suite.yaml. */
export async function builtInSuiteIds(dir: string | undefined = builtInSuitesDir()): Promise<string[]> {
  if (!dir) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, SUITE_FILE)))
    .map((entry) => entry.name)
    .sort();
}

export interface SuiteSelection {
  /** Suite ids (built in) or folders / suite.yaml files; default every built-in suite (an error when there is no built-in folder). */
  specs?: readonly string[];
  /** Where to find built-in suites (default: the workspace's `suites/`; null: there are none). */
  builtInDir?: string | null;
  /** Relative folders are resolved against this (default the current folder). */
  cwd?: string;
}

/**
 * Reads and loads the suites of a run: each spec is a built-in suite id, or a folder holding
 * a suite.yaml, or a suite file. Ids and item ids must be unique across them.
 */
export async function loadSuiteSelection(selection: SuiteSelection = {}): Promise<LoadedSuite[]> {
  const builtIn = selection.builtInDir === undefined ? builtInSuitesDir() : (selection.builtInDir ?? undefined);
  const cwd = selection.cwd ?? process.cwd();
  if (!selection.specs && !builtIn) {
    throw new ConformanceError(
      ErrorCodes.SUITE_NOT_FOUND,
      'no built-in suites folder was found (suites/ at the workspace root)',
      {
        hint: 'run from the conformance workspace, or name the suites to score against: --suite <folder>[,…]',
      },
    );
  }
  const specs = selection.specs ?? (await builtInSuiteIds(builtIn));
  const sources: SuiteSource[] = [];
  for (const spec of specs) {
    const file = await suiteFileFor(spec, builtIn, cwd);
    await assertReadableFile(file, 'suite', ErrorCodes.SUITE_INVALID);
    sources.push({ text: await readFile(file, 'utf8'), file: relative(cwd, file) || file });
  }
  return loadSuites(sources);
}

async function suiteFileFor(spec: string, builtIn: string | undefined, cwd: string): Promise<string> {
  const looksLikePath = spec.includes('/') || spec.includes('\\') || spec.startsWith('.') || spec.endsWith('.yaml');
  if (looksLikePath || existsSync(resolve(cwd, spec))) {
    const path = resolve(cwd, spec);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory() && existsSync(join(path, SUITE_FILE))) return containedSuiteFile(path);
    if (info?.isFile()) return path;
    throw new ConformanceError(ErrorCodes.SUITE_NOT_FOUND, `no suite at ${spec} (looked for ${join(path, SUITE_FILE)})`, {
      hint: 'give a folder that holds a suite.yaml, a suite file, or the id of a built-in suite',
    });
  }
  if (!builtIn) {
    throw new ConformanceError(ErrorCodes.SUITE_NOT_FOUND, `no built-in suites folder was found for suite "${spec}"`, {
      hint: 'run from the conformance workspace (it has a suites/ folder), or give the suite as a folder: --suite ./my-suite',
    });
  }
  const file = join(builtIn, spec, SUITE_FILE);
  if (existsSync(file)) return containedSuiteFile(join(builtIn, spec));
  const ids = await builtInSuiteIds(builtIn);
  const suggestion = closestMatch(spec, ids);
  throw new ConformanceError(
    ErrorCodes.SUITE_NOT_FOUND,
    `unknown suite "${spec}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; built-in suites: ${ids.join(', ') || '(none)'}`,
    { hint: 'list them with: conformance checklists; or give a folder that holds a suite.yaml' },
  );
}

/**
 * The suite.yaml of a suite folder, which must stay inside it: a symbolic link that leads out of
 * the folder is refused (a suite folder cannot make the harness read another file).
 */
async function containedSuiteFile(folder: string): Promise<string> {
  const file = join(folder, SUITE_FILE);
  const [realFolder, realFile] = await Promise.all([realpath(folder), realpath(file)]);
  const inside = relative(realFolder, realFile);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConformanceError(ErrorCodes.SUITE_INVALID, `${file} leads out of its suite folder (to ${realFile})`, {
      hint: 'keep suite.yaml a file inside the suite folder, not a link to elsewhere',
    });
  }
  return file;
}

/** Only a regular file is read: a named pipe or a device would block the run or never end. */
async function assertReadableFile(file: string, what: string, code: (typeof ErrorCodes)[keyof typeof ErrorCodes]) {
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile()) {
    throw new ConformanceError(code, `${file} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not a ${what} file`, {
      hint: `give the path of a YAML ${what} file`,
    });
  }
}

/** Reads an attestation file (`--attest`) and checks it against the suites of the run. */
export async function loadAttestations(file: string, suites: readonly LoadedSuite[]): Promise<Map<string, Attestation>> {
  await assertReadableFile(file, 'attestation', ErrorCodes.ATTESTATION_INVALID);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConformanceError(ErrorCodes.ATTESTATION_INVALID, `cannot read the attestation file ${file}`, {
      hint: 'give the path of a YAML file with an attestations: list',
      cause: error,
    });
  }
  return indexAttestations(parseAttestationFile(text, file).attestations, suites, file);
}

/** Scores every suite of a run against the check verdicts. */
export function scoreSuites(
  suites: readonly LoadedSuite[],
  checks: readonly CheckResult[],
  app: { platform: Platform; sellsOrShares: boolean; webView?: boolean | { context: string } },
  attestations: ReadonlyMap<string, Attestation> = new Map(),
): SuiteResult[] {
  return suites.map((suite) => scoreSuite(suite, checks, app, attestations));
}
