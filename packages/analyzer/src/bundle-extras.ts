import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  apiEventSchema,
  ConformanceError,
  ErrorCodes,
  requestInitiatorSchema,
  storageSnapshotSchema,
  type Canary,
  type ScenarioEvidence,
} from '@conformance/core';
import { z } from 'zod';

type Extras = Pick<ScenarioEvidence, 'events' | 'initiators' | 'storage'>;

const extras = {
  events: { file: 'events.json', schema: z.array(apiEventSchema) },
  initiators: { file: 'initiators.json', schema: z.array(requestInitiatorSchema) },
  storage: { file: 'storage.json', schema: storageSnapshotSchema },
} as const;

/** The device-side evidence of a scenario, where the run recorded it. */
export async function readScenarioExtras(dir: string, files: readonly string[]): Promise<Extras> {
  const result: Record<string, unknown> = {};
  for (const [key, { file, schema }] of Object.entries(extras)) {
    if (!files.includes(file)) continue;
    const path = join(dir, file);
    const parsed = (schema as z.ZodType).safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${path}: ${issue.path.join('.')}: ${issue.message}`);
    }
    result[key] = parsed.data;
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
