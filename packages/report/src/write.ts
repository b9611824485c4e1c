import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BundleFiles, type Report } from '@conformance/core';

export const REPORT_FILE = 'report.json';
export const CHECKSUM_FILE = BundleFiles.checksums;

export async function writeReportJson(report: Report, outDir: string): Promise<string> {
  const file = join(outDir, REPORT_FILE);
  await mkdir(outDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
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
  await writeFile(target, lines.length ? `${lines.join('\n')}\n` : '');
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
