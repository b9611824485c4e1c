import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleFiles, decodeBundleFile, type Canary, type ScenarioEvidence, type ScenarioRecord } from '@conformance/core';

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

/** A stored value that looks like an identifier: long, one token, letters and digits. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{14,127}$/;

/**
 * Identifiers the app kept in cookies and web storage become canaries: if one of them is
 * later sent, it is the device's resettable identifier going out.
 */
export function storageCanaries(scenarios: readonly ScenarioEvidence[]): Canary[] {
  const seen = new Set<string>();
  const canaries: Canary[] = [];
  const add = (kind: string, value: string) => {
    if (!IDENTIFIER.test(value) || !/\d/.test(value) || seen.has(value)) return;
    seen.add(value);
    canaries.push({ category: 'device-id.resettable', kind, value });
  };
  for (const scenario of scenarios) {
    for (const cookie of scenario.storage?.cookies ?? []) add(`cookie:${cookie.name}`, cookie.value);
    for (const origin of scenario.storage?.origins ?? []) {
      for (const [key, value] of Object.entries(origin.localStorage)) add(`localStorage:${key}`, value);
      for (const [key, value] of Object.entries(origin.sessionStorage)) add(`sessionStorage:${key}`, value);
      for (const store of origin.indexedDB) {
        for (const record of store.sample ?? []) {
          for (const [key, value] of stringFields(record)) add(`indexedDB:${store.database}/${store.store}.${key}`, value);
        }
      }
    }
  }
  return canaries;
}

/** The string fields of a stored record (JSON), one level deep: where apps keep their ids. */
function stringFields(json: string): [string, string][] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (typeof value === 'string') return [['value', value]];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
}
