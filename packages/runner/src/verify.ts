import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  BundleFiles,
  ConformanceError,
  decodeBundleFile,
  ErrorCodes,
  REPORT_SCHEMA_VERSION,
  type Attestation,
  type RunRecord,
} from '@conformance/core';
import { readEvidenceBundle } from '@conformance/analyzer';
import { listFiles, REPORT_FILE, sha256File } from '@conformance/report';
import { buildReport } from './assess.js';
import { keyFingerprint, readPublicKey, signatureValid } from './signing.js';
import { builtInSuiteIds, loadSuiteSelection } from './suites.js';
import { loadWaivers } from './waivers.js';

export interface VerifyOptions {
  /** A public key PEM (`conformance keys export`): SHA256SUMS.sig must be its valid signature. */
  key?: string;
  /** Suites to re-score against; default those report.json names (built-in ids, else their source files). */
  suites?: readonly string[];
}

export interface VerifyDifference {
  kind: 'file' | 'signature' | 'check' | 'item' | 'suite';
  /** The file, check id or item id. */
  subject: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** The first difference found, in the order: hashes, signature, verdicts. */
  difference?: VerifyDifference;
  /** Files listed in SHA256SUMS whose hash was recomputed. */
  files: number;
  /** Files in evidence/ that SHA256SUMS does not list (noted, not judged). */
  unlisted: string[];
  signature: { checked: false } | { checked: true; fingerprint: string };
  /** The fingerprint run.json names as the signer, when it names one. */
  signedBy?: string;
  checks: number;
  items: number;
}

const SUMS_LINE = /^([0-9a-f]{64}) [ *](.+)$/;

function unusable(message: string, hint: string, cause?: unknown): ConformanceError {
  return new ConformanceError(ErrorCodes.BUNDLE_INVALID, message, cause === undefined ? { hint } : { hint, cause });
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unusable(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, what, error);
  }
}

/** The entries of SHA256SUMS; a path that leads out of the evidence folder makes the bundle unusable. */
function parseSums(text: string, file: string): { hash: string; path: string }[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, index) => {
      const match = SUMS_LINE.exec(line);
      if (!match) throw unusable(`${file}:${index + 1} is not a "<sha256>  <path>" line`, 'the checksum file was damaged');
      const path = match[2]!;
      if (path.startsWith('/') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '')) {
        throw unusable(
          `${file}:${index + 1} names a path outside the evidence folder (${path})`,
          'the checksum file was damaged or forged',
        );
      }
      return { hash: match[1]!, path };
    });
}

/**
 * Checks a run folder the way a reviewer would: every hash in evidence/SHA256SUMS recomputed
 * (files present but not listed are noted); with `key`, SHA256SUMS.sig must be that key's
 * Ed25519 signature of SHA256SUMS; then every verdict is re-derived from the evidence, by the
 * path `conformance analyze` takes, and compared with report.json (the status of each check
 * and of each suite item, each suite's score and grade; timestamps are not compared). The
 * first difference is named. Unusable input (no evidence, no report, unreadable key) throws
 * a ConformanceError.
 */
export async function verifyRunDir(runDir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const root = resolve(runDir);
  const evidenceDir = join(root, 'evidence');
  const sumsFile = join(evidenceDir, BundleFiles.checksums);
  const hint = 'point at the output folder of a run (the folder that holds report.json and evidence/)';
  if (!existsSync(evidenceDir)) throw unusable(`${evidenceDir} does not exist`, hint);
  const sumsText = await readText(sumsFile, hint);
  const entries = parseSums(sumsText, sumsFile);
  const publicKey = options.key ? await readPublicKey(options.key) : undefined;
  const reportFile = join(root, REPORT_FILE);
  const reportText = await readText(reportFile, hint);
  let recorded: {
    schemaVersion?: unknown;
    startedAt?: unknown;
    finishedAt?: unknown;
    checks?: { id?: unknown; status?: unknown }[];
    suites?: { id?: unknown; source?: unknown; score?: unknown; grade?: unknown; items?: Record<string, unknown>[] }[];
    waivers?: { asOf?: unknown };
  };
  try {
    recorded = JSON.parse(reportText) as typeof recorded;
  } catch (error) {
    throw unusable(`${reportFile} is not JSON`, 'restore report.json, or run conformance analyze to write a new one', error);
  }
  if (recorded.schemaVersion !== REPORT_SCHEMA_VERSION) {
    throw unusable(
      `${reportFile} has schema version ${String(recorded.schemaVersion)}; this version of conformance verifies version ${REPORT_SCHEMA_VERSION}`,
      'verify with the conformance version that wrote the report',
    );
  }

  const base = {
    files: 0,
    unlisted: [] as string[],
    signature: { checked: false } as VerifyResult['signature'],
    checks: 0,
    items: 0,
  };
  const fail = (difference: VerifyDifference, extra: Partial<VerifyResult> = {}): VerifyResult => ({
    ...base,
    ...extra,
    ok: false,
    difference,
  });

  // 1. Hashes, in the order SHA256SUMS lists them.
  for (const entry of entries) {
    const file = join(evidenceDir, ...entry.path.split('/'));
    const shown = `evidence/${entry.path}`;
    if (!existsSync(file)) return fail({ kind: 'file', subject: shown, message: `${shown} is listed in SHA256SUMS but missing` });
    const actual = await sha256File(file);
    if (actual !== entry.hash) {
      return fail({
        kind: 'file',
        subject: shown,
        message: `${shown} changed: SHA256SUMS lists ${entry.hash}, the file hashes to ${actual}`,
      });
    }
    base.files++;
  }
  const listed = new Set(entries.map((entry) => entry.path));
  const ignored = new Set<string>([BundleFiles.checksums, BundleFiles.signature]);
  base.unlisted = (await listFiles(evidenceDir))
    .map((file) => relative(evidenceDir, file).split(sep).join('/'))
    .filter((path) => !listed.has(path) && !ignored.has(path))
    .sort();

  // 2. The signature.
  const runFile = join(evidenceDir, BundleFiles.run);
  const run: RunRecord = decodeBundleFile('run', await readText(runFile, hint), runFile);
  const signedBy = run.signing?.publicKeyFingerprint;
  if (signedBy) Object.assign(base, { signedBy });
  if (publicKey) {
    const fingerprint = keyFingerprint(publicKey);
    const sigFile = join(evidenceDir, BundleFiles.signature);
    if (!existsSync(sigFile)) {
      return fail({
        kind: 'signature',
        subject: 'evidence/SHA256SUMS.sig',
        message: 'evidence/SHA256SUMS.sig is missing: the bundle is not signed',
      });
    }
    const signature = await readFile(sigFile, 'utf8');
    if (!signatureValid(Buffer.from(sumsText, 'utf8'), signature, publicKey)) {
      return fail({
        kind: 'signature',
        subject: 'evidence/SHA256SUMS.sig',
        message: `evidence/SHA256SUMS.sig is not a signature of evidence/SHA256SUMS by the key ${fingerprint}${signedBy && signedBy !== fingerprint ? ` (run.json names the signer ${signedBy})` : ''}: SHA256SUMS was changed after signing, or another key signed it`,
      });
    }
    base.signature = { checked: true, fingerprint };
  }

  // 3. Every verdict, re-derived from the evidence.
  const suites = await loadSuiteSelection({
    specs: options.suites ?? (await suiteSpecs(recorded.suites ?? [], join(evidenceDir, BundleFiles.suites))),
  });
  const attestations = new Map<string, Attestation>();
  for (const suite of recorded.suites ?? []) {
    for (const item of suite.items ?? []) {
      const attestation = item['attestation'] as Omit<Attestation, 'item'> | undefined;
      if (attestation && typeof item['id'] === 'string') attestations.set(item['id'], { item: item['id'], ...attestation });
    }
  }
  const waiverFile = join(evidenceDir, BundleFiles.waivers);
  const waivers = existsSync(waiverFile) ? await loadWaivers({ file: waiverFile }, suites) : undefined;
  const asOf =
    typeof recorded.waivers?.asOf === 'string'
      ? recorded.waivers.asOf
      : typeof recorded.finishedAt === 'string'
        ? recorded.finishedAt.slice(0, 10)
        : undefined;
  const derived = buildReport(await readEvidenceBundle(evidenceDir), {
    outDir: root,
    manifestFile: run.manifest,
    startedAt: new Date(run.startedAt),
    device: run.device,
    suites,
    attestations,
    ...(waivers ? { waivers: { file: waivers.file, waivers: waivers.waivers } } : {}),
    ...(asOf ? { asOf } : {}),
  });

  const recordedChecks = new Map((recorded.checks ?? []).map((check) => [String(check.id), check.status]));
  for (const check of derived.checks) {
    if (!recordedChecks.has(check.id)) {
      return fail({
        kind: 'check',
        subject: check.id,
        message: `check ${check.id}: the evidence gives ${check.status}, report.json has no such check`,
      });
    }
    const status = recordedChecks.get(check.id);
    if (status !== check.status) {
      return fail({
        kind: 'check',
        subject: check.id,
        message: `check ${check.id}: report.json says ${String(status)}, the evidence gives ${check.status}`,
      });
    }
    recordedChecks.delete(check.id);
    base.checks++;
  }
  const extraCheck = [...recordedChecks.keys()][0];
  if (extraCheck !== undefined) {
    return fail({
      kind: 'check',
      subject: extraCheck,
      message: `check ${extraCheck}: report.json has it, the evidence gives no such check`,
    });
  }
  for (const suite of derived.suites) {
    const saved = (recorded.suites ?? []).find((candidate) => candidate.id === suite.id);
    if (!saved) return fail({ kind: 'suite', subject: suite.id, message: `suite ${suite.id}: report.json does not score it` });
    const savedItems = new Map((saved.items ?? []).map((item) => [String(item['id']), item['status']]));
    for (const item of suite.items) {
      const status = savedItems.get(item.id);
      if (status !== item.status) {
        return fail({
          kind: 'item',
          subject: item.id,
          message: `item ${item.id}: report.json says ${status === undefined ? 'nothing' : String(status)}, the evidence gives ${item.status}`,
        });
      }
      savedItems.delete(item.id);
      base.items++;
    }
    const extraItem = [...savedItems.keys()][0];
    if (extraItem !== undefined) {
      return fail({
        kind: 'item',
        subject: extraItem,
        message: `item ${extraItem}: report.json has it, suite ${suite.id} does not`,
      });
    }
    if (saved.score !== suite.score || saved.grade !== suite.grade) {
      return fail({
        kind: 'suite',
        subject: suite.id,
        message: `suite ${suite.id}: report.json says score ${String(saved.score)} grade ${String(saved.grade)}, the evidence gives score ${String(suite.score)} grade ${String(suite.grade)}`,
      });
    }
  }
  return { ...base, ok: true };
}

/**
 * The suites report.json was scored against: the copy the evidence holds (the exact text the
 * run used), else built-in ids as ids, any other by its source file.
 */
async function suiteSpecs(suites: readonly { id?: unknown; source?: unknown }[], copies: string): Promise<string[]> {
  const builtIn = await builtInSuiteIds();
  return suites.map((suite) => {
    const id = String(suite.id);
    const copy = join(copies, `${id}.yaml`);
    if (/^[a-z0-9-]+$/.test(id) && existsSync(copy)) return copy;
    if (builtIn.includes(id)) return id;
    if (typeof suite.source === 'string') return suite.source;
    throw unusable(`report.json names suite ${id} without its source`, 'give the suites with --suite');
  });
}
