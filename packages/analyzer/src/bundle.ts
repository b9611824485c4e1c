import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConformanceError,
  ErrorCodes,
  parseAppManifest,
  parseJournal,
  scenarioRecordSchema,
  splitRecords,
  timelineEntrySchema,
  type EvidenceBundle,
  type ScenarioEvidence,
} from '@conformance/core';
import { z } from 'zod';
import { readScenarioExtras } from './bundle-extras.js';

/** File names inside an evidence folder. */
export const BundleFiles = {
  manifest: 'app.yaml',
  scenario: 'scenario.json',
  timeline: 'timeline.json',
  flows: 'flows.jsonl',
  events: 'events.json',
  initiators: 'initiators.json',
  storage: 'storage.json',
} as const;

/**
 * Reads an evidence folder (`<out>/evidence`) back into a bundle: the manifest copy and,
 * for every scenario folder, its record, timeline and proxy journal. This is all
 * analysis ever reads, so verdicts can be re-derived on any machine.
 */
export async function readEvidenceBundle(evidenceDir: string): Promise<EvidenceBundle> {
  const manifestFile = join(evidenceDir, BundleFiles.manifest);
  const manifest = parseAppManifest(await readText(manifestFile), manifestFile);
  const entries = await readdir(evidenceDir, { withFileTypes: true });
  const scenarios: ScenarioEvidence[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(evidenceDir, entry.name);
    const files = await readdir(dir);
    if (!files.includes(BundleFiles.scenario)) continue;
    const record = parseJsonFile(
      scenarioRecordSchema.omit({ timeline: true }),
      join(dir, BundleFiles.scenario),
      await readText(join(dir, BundleFiles.scenario)),
    );
    const timelineFile = join(dir, BundleFiles.timeline);
    const timeline = parseJsonFile(z.array(timelineEntrySchema), timelineFile, await readText(timelineFile));
    const journalFile = join(dir, BundleFiles.flows);
    const records = files.includes(BundleFiles.flows) ? parseJournal(await readText(journalFile), journalFile).records : [];
    const { flows, tlsFailures } = splitRecords(records);
    scenarios.push({ ...record, timeline, flows, tlsFailures, ...(await readScenarioExtras(dir, files)) });
  }
  if (scenarios.length === 0) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${evidenceDir} holds no scenario evidence`, {
      hint: 'point at the evidence/ folder of a run (it has app.yaml and one folder per scenario)',
    });
  }
  return { manifest, scenarios };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `cannot read ${file}: ${(error as Error).message}`, {
      hint: 'the evidence folder is incomplete; re-run the assessment',
      cause: error,
    });
  }
}

function parseJsonFile<T>(schema: z.ZodType<T>, file: string, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${file} is not JSON`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}
