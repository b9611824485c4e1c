import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  apiEventSchema,
  ConformanceError,
  ErrorCodes,
  requestInitiatorSchema,
  storageSnapshotSchema,
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
