import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '@conformance/core';
import { JUNIT_FILE, toJunitXml } from './junit.js';
import { SARIF_FILE, toSarif, type SarifOptions } from './sarif.js';
import { writeFileAtomic } from './write.js';

/**
 * Where the manifest is for SARIF: relative to `cwd` (the repository a CI job runs in) when it
 * lies inside it, else relative to the run folder; forward slashes either way.
 */
export function manifestLocation(manifest: string, outDir: string, cwd: string = process.cwd()): SarifOptions {
  const inside = (base: string) => {
    const path = relative(base, resolve(manifest));
    return path && !path.startsWith('..') && !isAbsolute(path) ? path.split(sep).join('/') : undefined;
  };
  const folderUri = (dir: string) => pathToFileURL(dir).href.replace(/\/?$/, '/');
  const fromCwd = inside(cwd);
  if (fromCwd) return { manifestUri: fromCwd, baseId: 'SRCROOT', baseUri: folderUri(cwd) };
  const fromRun = relative(outDir, resolve(manifest)).split(sep).join('/');
  return { manifestUri: fromRun, baseId: 'RUNDIR', baseUri: folderUri(outDir) };
}

/** Writes `junit.xml` and `results.sarif` next to report.json. */
export async function writeCiReports(
  report: Report,
  outDir: string,
  cwd: string = process.cwd(),
): Promise<{ junit: string; sarif: string }> {
  const junit = join(outDir, JUNIT_FILE);
  const sarif = join(outDir, SARIF_FILE);
  await writeFileAtomic(junit, toJunitXml(report));
  await writeFileAtomic(
    sarif,
    `${JSON.stringify(toSarif(report, manifestLocation(report.app.manifest, outDir, cwd)), null, 2)}\n`,
  );
  return { junit, sarif };
}
