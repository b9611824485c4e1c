import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ConformanceError, ErrorCodes, WAIVERS_FILE, type Waiver } from '@conformance/core';
import { assertWaiversKnown, parseWaiverFile, type LoadedSuite } from '@conformance/checks';

export interface LoadedWaivers {
  /** The file as given or found. */
  file: string;
  /** Its text exactly as read (copied into the evidence). */
  text: string;
  waivers: Waiver[];
}

/**
 * The waivers of a run: `--waivers <file>` when given (it must exist), else
 * `conformance.waivers.yaml` beside the manifest when there is one (it may not lead out of
 * the manifest's folder through a symbolic link). Every entry must name an item of the run's
 * suites or a check id (CONF_WAIVER_UNKNOWN otherwise). Undefined when there is no file.
 */
export async function loadWaivers(
  options: { file?: string; manifestFile?: string },
  suites: readonly LoadedSuite[],
): Promise<LoadedWaivers | undefined> {
  let file: string;
  if (options.file) {
    file = resolve(options.file);
  } else if (options.manifestFile) {
    const folder = dirname(resolve(options.manifestFile));
    file = join(folder, WAIVERS_FILE);
    const info = await stat(file).catch(() => undefined);
    if (!info) return undefined;
    const [real, base] = await Promise.all([realpath(file), realpath(folder)]);
    if (!real.startsWith(base + sep)) {
      throw new ConformanceError(ErrorCodes.WAIVER_INVALID, `${file} leads out of the manifest's folder (to ${real})`, {
        hint: `keep ${WAIVERS_FILE} a plain file beside the manifest, or name the file with --waivers`,
      });
    }
  } else {
    return undefined;
  }
  const text = await readWaiverText(file);
  const { waivers } = parseWaiverFile(text, file);
  assertWaiversKnown(waivers, suites, file);
  return { file, text, waivers };
}

async function readWaiverText(file: string): Promise<string> {
  try {
    // A named pipe or a device would block or never end: only a regular file is read.
    const info = await stat(file);
    if (!info.isFile()) {
      throw new ConformanceError(ErrorCodes.WAIVER_INVALID, `${file} is not a regular file`, {
        hint: 'give the path of a YAML file with a waivers: list',
      });
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    throw new ConformanceError(
      ErrorCodes.WAIVER_INVALID,
      `cannot read the waiver file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { hint: 'give the path of a YAML file with a waivers: list', cause: error },
    );
  }
}

/** Today as YYYY-MM-DD (UTC): the day waivers are judged against. */
export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
