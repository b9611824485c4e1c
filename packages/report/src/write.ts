import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { BundleFiles, type Report } from '@conformance/core';

export const REPORT_FILE = 'report.json';
export const CHECKSUM_FILE = BundleFiles.checksums;

export async function writeReportJson(report: Report, outDir: string): Promise<string> {
  const file = join(outDir, REPORT_FILE);
  await mkdir(outDir, { recursive: true });
  // Written piece by piece: a report citing many flows is never one string in memory.
  await writeFileAtomic(file, jsonLines(report));
  return file;
}

/** How deep `jsonLines` walks before a value is written with JSON.stringify whole. */
const STREAM_DEPTH = 6;

/**
 * `JSON.stringify(value, null, 2)` and a line feed, byte for byte, in pieces: arrays and
 * objects down to STREAM_DEPTH are walked, what lies deeper is stringified whole.
 */
export function* jsonLines(value: unknown): Generator<string> {
  yield* jsonPieces(value, '', STREAM_DEPTH, false);
  yield '\n';
}

function* jsonPieces(input: unknown, indent: string, depth: number, inArray: boolean): Generator<string> {
  const value =
    input !== null && typeof input === 'object' && typeof (input as { toJSON?: unknown }).toJSON === 'function'
      ? (input as { toJSON(): unknown }).toJSON()
      : input;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    // Only array elements get here (object keys holding these are skipped): JSON has null.
    if (inArray) yield 'null';
    return;
  }
  if (depth === 0 || value === null || typeof value !== 'object') {
    yield JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    for (let index = 0; index < value.length; index++) {
      yield `${index === 0 ? '[' : ','}\n${inner}`;
      yield* jsonPieces(value[index], inner, depth - 1, true);
    }
    return yield `\n${indent}]`;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(member, inner, depth - 1, false);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/**
 * Writes `file` whole or not at all: the data goes to a temporary file beside it (same folder,
 * so the same file system), which is then renamed over it. A process stopped mid-write leaves
 * the earlier file (or none) and, at worst, a `.<name>.<pid>.tmp` beside it; never half a file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await writeFile(temporary, data);
    else await writePieces(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `SHA256SUMS` in the evidence folder, in the format `sha256sum -c` reads, so
 * anyone can check the bundle is what the run produced with no tool of ours.
 */
export async function writeEvidenceChecksums(evidenceDir: string): Promise<{ file: string; files: number }> {
  const files = (await listFiles(evidenceDir)).filter((file) => relative(evidenceDir, file) !== CHECKSUM_FILE).sort();
  const lines: string[] = [];
  for (const file of files) lines.push(`${await sha256File(file)}  ${relative(evidenceDir, file)}`);
  const target = join(evidenceDir, CHECKSUM_FILE);
  await writeFileAtomic(target, lines.length ? `${lines.join('\n')}\n` : '');
  return { file: target, files: files.length };
}

/** Every file under `dir`, at any depth (anything that is not a folder counts as a file). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat();
}

/** The SHA-256 of a file, read as a stream (hex). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Writes text given in pieces, about 64 KiB at a time, waiting whenever the stream is full. */
async function writePieces(file: string, pieces: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  try {
    let pending = '';
    for (const piece of pieces) {
      pending += piece;
      if (pending.length >= 1 << 16) {
        const full = !out.write(pending);
        pending = '';
        if (full) await Promise.race([once(out, 'drain'), failed]);
      }
    }
    out.end(pending);
    await Promise.race([finished(out), failed]);
  } catch (error) {
    out.destroy();
    throw error;
  }
}
