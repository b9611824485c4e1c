import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  canariesFromFile,
  canaryFileSchema,
  ConformanceError,
  ErrorCodes,
  parseAppManifest,
  parseJournal,
  baselineSchema,
  scenarioNames,
  scenarioRecordSchema,
  splitRecords,
  timelineEntrySchema,
  type Canary,
  type EvidenceBundle,
  type FlowRecord,
  type ScenarioEvidence,
} from '@conformance/core';
import { z } from 'zod';
import { readScenarioExtras } from './bundle-extras.js';
import { storageCanaries } from './storage-ids.js';

/** File names inside an evidence folder. */
export const BundleFiles = {
  manifest: 'app.yaml',
  scenario: 'scenario.json',
  timeline: 'timeline.json',
  flows: 'flows.jsonl',
  events: 'events.json',
  initiators: 'initiators.json',
  storage: 'storage.json',
  canaries: 'canaries.json',
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
    const { flows: recorded, tlsFailures } = splitRecords(records);
    const flows = await Promise.all(recorded.map((flow) => loadBodyFile(flow, dir, journalFile)));
    scenarios.push({ ...record, timeline, flows, tlsFailures, ...(await readScenarioExtras(dir, files)) });
  }
  if (scenarios.length === 0) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${evidenceDir} holds no scenario evidence`, {
      hint: 'point at the evidence/ folder of a run (it has app.yaml and one folder per scenario)',
    });
  }
  const canaries = [...(await readCanaries(evidenceDir)), ...storageCanaries(scenarios)];
  // Scenarios in protocol order (idle, refuse, accept, withdraw, policy, gpc), whatever the file system lists.
  scenarios.sort((a, b) => scenarioNames.indexOf(a.scenario) - scenarioNames.indexOf(b.scenario));
  const baseline = await readBaseline(evidenceDir);
  return { manifest, scenarios, canaries, ...(baseline ? { baselineHosts: baseline.hosts.map((entry) => entry.host) } : {}) };
}

/** `canaries.json` beside the scenarios; no file means nothing was planted. */
async function readCanaries(evidenceDir: string): Promise<Canary[]> {
  const file = join(evidenceDir, BundleFiles.canaries);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return canariesFromFile(parseJsonFile(canaryFileSchema, file, text));
}

/**
 * A body stored in a file beside the journal becomes an inline base64 body (the `file`
 * name is kept), after checking its size and SHA-256 against the journal record.
 */
async function loadBodyFile(flow: FlowRecord, dir: string, journalFile: string): Promise<FlowRecord> {
  if (flow.body.encoding !== 'file') return flow;
  const name = flow.body.file!;
  const path = resolve(dir, name);
  const inside = relative(resolve(dir), path);
  if (inside.startsWith('..') || inside.startsWith(sep) || inside === '') {
    throw new ConformanceError(
      ErrorCodes.BUNDLE_INVALID,
      `${journalFile}: flow ${flow.id} names a body file outside its scenario folder: ${name}`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${journalFile}: flow ${flow.id}: cannot read body file ${path}`, {
      hint: 'the evidence folder is incomplete; re-run the assessment',
      cause: error,
    });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== flow.body.size || sha256 !== flow.body.sha256) {
    throw new ConformanceError(
      ErrorCodes.BUNDLE_INVALID,
      `${path}: body of flow ${flow.id} does not match the journal (size ${bytes.length} vs ${flow.body.size}, sha256 ${sha256.slice(0, 12)}… vs ${flow.body.sha256.slice(0, 12)}…)`,
      { hint: 'the evidence was modified after the run; re-run the assessment or restore the file' },
    );
  }
  return { ...flow, body: { ...flow.body, encoding: 'base64', data: bytes.toString('base64') } };
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

/** `baseline.json` beside the scenarios, when the run had one. */
async function readBaseline(evidenceDir: string) {
  const file = join(evidenceDir, 'baseline.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseJsonFile(baselineSchema, file, text);
}
