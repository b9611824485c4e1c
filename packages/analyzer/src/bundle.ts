import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  BundleFiles,
  canariesFromFile,
  ConformanceError,
  decodeBundleFile,
  ErrorCodes,
  parseAppManifest,
  parseRecordLine,
  scenarioNames,
  splitRecords,
  type Canary,
  type EvidenceBundle,
  type FlowRecord,
  type ProxyRecord,
  type ScenarioEvidence,
} from '@conformance/core';
import { attemptedFlows } from './attempted.js';
import { readScenarioExtras } from './bundle-extras.js';
import { storageCanaries } from './storage-ids.js';

/** The bundle's layout is core's; re-exported for the callers that know it from here. */
export { BundleFiles } from '@conformance/core';

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
    const scenarioFile = join(dir, BundleFiles.scenario);
    const record = decodeBundleFile('scenario', await readText(scenarioFile), scenarioFile);
    const timelineFile = join(dir, BundleFiles.timeline);
    const timeline = decodeBundleFile('timeline', await readText(timelineFile), timelineFile);
    const journalFile = join(dir, BundleFiles.flows);
    const records = files.includes(BundleFiles.flows) ? await readJournalStreaming(journalFile) : [];
    const { flows: recorded, tlsFailures } = splitRecords(records);
    const journaled: FlowRecord[] = [];
    for (const flow of recorded) journaled.push(await checkBodyFile(flow, dir, journalFile));
    const extras = await readScenarioExtras(dir, files, record);
    // Requests the browser stopped before the proxy count as sent, once each (attempted.ts).
    const flows = attemptedFlows(extras.attempted ?? [], journaled);
    scenarios.push({ ...record, timeline, flows, tlsFailures, ...extras });
  }
  const run = await readRunRecord(evidenceDir);
  // A run interrupted before its first scenario is a whole bundle with no scenario in it (run.json
  // says so): every check it is judged by is inconclusive. Any other bundle without one is not.
  if (scenarios.length === 0 && !run?.interrupted) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${evidenceDir} holds no scenario evidence`, {
      hint: 'point at the evidence/ folder of a run (it has app.yaml and one folder per scenario)',
    });
  }
  const canaries = [...(await readCanaries(evidenceDir)), ...storageCanaries(scenarios)];
  // Scenarios in protocol order (idle, refuse, accept, withdraw, policy, gpc), whatever the file system lists.
  scenarios.sort((a, b) => scenarioNames.indexOf(a.scenario) - scenarioNames.indexOf(b.scenario));
  const baseline = await readBaseline(evidenceDir);
  return {
    manifest,
    scenarios,
    canaries,
    ...(run ? { requestedScenarios: run.scenarios } : {}),
    ...(run?.leftOut?.length ? { leftOutScenarios: run.leftOut } : {}),
    // Bodies stored in files are read when their flow is analysed, one at a time (their size and
    // hash were checked above): a capture far larger than memory can be analysed.
    readBody: (scenario: string, file: string) => readFileSync(join(evidenceDir, scenario, file)),
    ...(baseline ? { baselineHosts: baseline.hosts.map((entry) => entry.host) } : {}),
  };
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
  return canariesFromFile(decodeBundleFile('canaries', text, file));
}

/**
 * A journal read line by line from a stream: neither the file's text nor a second copy of it is
 * ever held whole. A last line cut short by a crash (no newline) is left out, as parseJournal does.
 */
export async function readJournalStreaming(file: string): Promise<ProxyRecord[]> {
  const records: ProxyRecord[] = [];
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
        line++;
        const text = pending.slice(start, end);
        if (text.trim() !== '') records.push(parseRecordLine(text, `${file}:${line}`));
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `cannot read ${file}: ${(error as Error).message}`, {
      hint: 'the evidence folder is incomplete; re-run the assessment',
      cause: error,
    });
  }
  return records;
}

/**
 * A body stored in a file beside the journal is checked against the journal record (inside
 * the scenario folder, same size, same SHA-256, hashed as a stream) and left in its file: the
 * analysis reads it when it reaches the flow (`EvidenceBundle.readBody`).
 */
async function checkBodyFile(flow: FlowRecord, dir: string, journalFile: string): Promise<FlowRecord> {
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
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${journalFile}: flow ${flow.id}: cannot read body file ${path}`, {
      hint: 'the evidence folder is incomplete; re-run the assessment',
      cause: error,
    });
  }
  const sha256 = hash.digest('hex');
  if (size !== flow.body.size || sha256 !== flow.body.sha256) {
    throw new ConformanceError(
      ErrorCodes.BUNDLE_INVALID,
      `${path}: body of flow ${flow.id} does not match the journal (size ${size} vs ${flow.body.size}, sha256 ${sha256.slice(0, 12)}… vs ${flow.body.sha256.slice(0, 12)}…)`,
      { hint: 'the evidence was modified after the run; re-run the assessment or restore the file' },
    );
  }
  return flow;
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

/** `run.json`, when the bundle has one: it names the scenarios the run was asked for. */
async function readRunRecord(evidenceDir: string) {
  const file = join(evidenceDir, BundleFiles.run);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return decodeBundleFile('run', text, file);
}

/** `baseline.json` beside the scenarios, when the run had one. */
async function readBaseline(evidenceDir: string) {
  const file = join(evidenceDir, BundleFiles.baseline);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return decodeBundleFile('baseline', text, file);
}
