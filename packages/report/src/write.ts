import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { BundleFiles, type Report } from '@conformance/core';

export const REPORT_FILE = 'report.json';
export const CHECKSUM_FILE = BundleFiles.checksums;

export async function writeReportJson(report: Report, outDir: string): Promise<string> {
  const file = join(outDir, REPORT_FILE);
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/**
 * Writes `file` whole or not at all: the data goes to a temporary file beside it (same folder,
 * so the same file system), which is then renamed over it. A process stopped mid-write leaves
 * the earlier file (or none) and, at worst, a `.<name>.<pid>.tmp` beside it; never half a file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, data);
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
