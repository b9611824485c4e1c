import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleFiles, decodeBundleFile, type ScenarioEvidence, type ScenarioRecord } from '@conformance/core';

type Extras = Pick<ScenarioEvidence, 'events' | 'initiators' | 'storage' | 'attempted'>;

const extras = ['events', 'initiators', 'storage', 'attempted'] as const;

/**
 * The device-side evidence of a scenario, where the run recorded it. Events of a session
 * that says it had no API instrumentation are dropped: an empty list from no source is not
 * "no events".
 */
export async function readScenarioExtras(
  dir: string,
  files: readonly string[],
  record: Pick<ScenarioRecord, 'instrumentation'>,
): Promise<Extras> {
  const result: Record<string, unknown> = {};
  for (const key of extras) {
    const file = BundleFiles[key];
    if (!files.includes(file)) continue;
    if (key === 'events' && record.instrumentation?.apiEvents === false) continue;
    const path = join(dir, file);
    result[key] = decodeBundleFile(key, await readFile(path, 'utf8'), path);
  }
  return result as Extras;
}
