import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReporterRuntime, FileSystemWriter, type Writer } from 'allure-js-commons/sdk/reporter';
import { Stage, Status, type Label, type StepResult } from 'allure-js-commons';
import {
  BundleFiles,
  decodeBundleFile,
  type EvidenceRef,
  type ItemResult,
  type Report,
  type SuiteResult,
  type TimelineEntry,
} from '@conformance/core';
import { flowExcerpt, harSlice, type EvidencePolicy, type FlowEvidence } from './evidence.js';
import { allureSeverityOf, allureStatusOf, checkArea, featureOf } from './mapping.js';
import { escapeHtml, oneLine, plain } from './text.js';

export const ALLURE_RESULTS_DIR = 'allure-results';
export const ALLURE_REPORT_DIR = 'allure-report';

export interface AllureResultsInput {
  report: Report;
  /** The run's `evidence/` folder: timelines and screenshots are read from it. */
  evidenceDir: string;
  /** Where the results go, usually `<run-dir>/allure-results`; emptied first. */
  resultsDir: string;
  /** The flows the items cite, gathered by the runner; a cited flow that is not here is named, not attached. */
  flows?: readonly FlowEvidence[];
  /** More lines for `environment.properties` (the run's configuration), added after the tool's own. */
  environment?: Readonly<Record<string, string>>;
  /** `--redact` and `--keep-raw` (default: neither). */
  policy?: Partial<EvidencePolicy>;
  /** Another writer than the file system (tests use allure-js-commons' InMemoryWriter). */
  writer?: Writer;
}

export interface AllureResultsOutput {
  resultsDir: string;
  /** One per suite item. */
  tests: number;
  attachments: number;
}

/** Most flows attached to one item (excerpts and HAR entries); the rest are named in its steps. */
export const MAX_FLOWS_PER_ITEM = 20;

/**
 * Writes Allure results with allure-js-commons' ReporterRuntime: one test case per suite
 * item, labelled epic = suite / instrument, feature = category, story = clause, with its
 * severity, the parameters app, device and suite, the scenarios that fed it as steps (their
 * timeline actions and the cited flows, in time order) and the evidence as attachments;
 * then `environment.properties`, `categories.json` (failures grouped by check) and
 * `executor.json`. Every text is made inert first (see `plain`).
 */
export async function writeAllureResults(input: AllureResultsInput): Promise<AllureResultsOutput> {
  const { report } = input;
  const policy: EvidencePolicy = { redact: input.policy?.redact ?? false, keepRaw: input.policy?.keepRaw ?? false };
  if (!input.writer) {
    await rm(input.resultsDir, { recursive: true, force: true });
    await mkdir(input.resultsDir, { recursive: true });
  }
  const writer = input.writer ?? new FileSystemWriter({ resultsDir: input.resultsDir });
  let attachments = 0;
  // A file attached to several items (a screenshot) is written once: later references are
  // pointed at the first copy when their result is written.
  const firstCopy = new Map<string, string>();
  const sameAs = new Map<string, string>();
  const repoint = (node: { attachments: { source: string }[]; steps: StepResult[] }) => {
    for (const attachment of node.attachments) attachment.source = sameAs.get(attachment.source) ?? attachment.source;
    for (const step of node.steps) repoint(step);
  };
  const counting: Writer = {
    writeResult: (result) => {
      if (sameAs.size > 0) repoint(result);
      writer.writeResult(result);
    },
    writeGroup: (group) => writer.writeGroup(group),
    writeAttachment: (name, content) => {
      attachments++;
      writer.writeAttachment(name, content);
    },
    writeAttachmentFromPath: (name, from) => {
      const first = firstCopy.get(from);
      if (first !== undefined) {
        sameAs.set(name, first);
        return;
      }
      firstCopy.set(from, name);
      attachments++;
      writer.writeAttachmentFromPath(name, from);
    },
    writeEnvironmentInfo: (info) => writer.writeEnvironmentInfo(info),
    writeCategoriesDefinitions: (categories) => writer.writeCategoriesDefinitions(categories),
    writeGlobals: (name, info) => writer.writeGlobals(name, info),
  };
  const runtime = new ReporterRuntime({
    writer: counting,
    environmentInfo: environmentOf(report, policy, input.environment ?? {}),
    categories: categoriesOf(report),
  });
  const flows = new Map((input.flows ?? []).map((flow) => [`${flow.scenario}/${flow.flowId}`, flow]));
  const scenarios = await readScenarios(input.evidenceDir, report);
  const start = Date.parse(report.startedAt);
  const stop = Date.parse(report.finishedAt);
  let tests = 0;
  for (const suite of report.suites) {
    for (const item of suite.items) {
      const uuid = runtime.startTest({ ...testOf(report, suite, item), start, stage: Stage.RUNNING });
      writeSteps(runtime, uuid, item, scenarios, flows, policy, report);
      runtime.updateTest(uuid, (result) => {
        result.stage = Stage.FINISHED;
      });
      runtime.stopTest(uuid, { stop });
      runtime.writeTest(uuid);
      tests++;
    }
  }
  runtime.writeEnvironmentInfo();
  runtime.writeCategoriesDefinitions();
  if (!input.writer) {
    // allure-js-commons has no writer for executor.json, the file Allure reads the run's name from.
    await writeFile(join(input.resultsDir, 'executor.json'), `${JSON.stringify(executorOf(report), null, 2)}\n`);
  }
  return { resultsDir: input.resultsDir, tests, attachments };
}

function testOf(report: Report, suite: SuiteResult, item: ItemResult) {
  const mapped = allureStatusOf(item.status);
  const labels: Label[] = [
    { name: 'epic', value: oneLine(`${suite.id} / ${item.instrument}`) },
    { name: 'feature', value: oneLine(featureOf(item)) },
    { name: 'story', value: oneLine(item.clause) },
    { name: 'severity', value: allureSeverityOf(item.severity) },
    { name: 'parentSuite', value: oneLine(report.app.name) },
    { name: 'suite', value: oneLine(suite.id) },
    { name: 'subSuite', value: oneLine(featureOf(item)) },
    { name: 'tag', value: oneLine(item.severity) },
    { name: 'tag', value: item.mode },
    ...(mapped.attested ? [{ name: 'tag', value: 'attested' }] : []),
    ...item.checks.map((check) => ({ name: 'check', value: oneLine(check.id) })),
    { name: 'framework', value: 'conformance' },
  ];
  const failing = item.checks.filter((check) => check.status === 'fail');
  // Failures name their checks first (categories.json groups by them); the item's summary when it says more.
  const lines = failing.map((check) => `${check.id}: ${check.summary}`);
  const summary = mapped.reason ? `${mapped.reason}: ${item.summary}` : item.summary;
  const message = (
    mapped.reason
      ? [summary, ...lines.filter((line) => !item.summary.includes(line))]
      : lines.some((line) => item.summary.includes(line) || line.includes(item.summary))
        ? lines
        : [...lines, summary]
  ).join('\n');
  const trace = item.evidence.slice(0, 50).map(describeRef).join('\n');
  return {
    name: oneLine(`${item.id} ${item.title}`),
    fullName: `${report.app.name}:${suite.id}:${item.id}`,
    testCaseId: `${suite.id}:${item.id}`,
    historyId: `${report.app.name}:${suite.id}:${item.id}`,
    status: mapped.status as Status,
    statusDetails: { message: plain(message), ...(trace ? { trace: plain(trace) } : {}) },
    labels,
    parameters: [
      { name: 'app', value: oneLine(report.app.name) },
      { name: 'device', value: oneLine(report.device) },
      { name: 'suite', value: oneLine(suite.id) },
    ],
    descriptionHtml: descriptionOf(item, mapped),
  };
}

function descriptionOf(item: ItemResult, mapped: ReturnType<typeof allureStatusOf>): string {
  const parts = [
    `<p><b>${escapeHtml(item.instrument)} ${escapeHtml(item.clause)}</b>: ${escapeHtml(item.title)}</p>`,
    `<p>${escapeHtml(item.status)}${mapped.reason && mapped.reason !== item.status ? ` (${escapeHtml(mapped.reason)})` : ''}: ${escapeHtml(item.summary)}</p>`,
  ];
  if (item.checks.length) {
    parts.push(
      `<ul>${item.checks.map((check) => `<li><code>${escapeHtml(check.id)}</code> ${escapeHtml(check.status)}: ${escapeHtml(check.summary)}</li>`).join('')}</ul>`,
    );
  }
  if (item.attestation) {
    const a = item.attestation;
    parts.push(
      `<p>Attested ${escapeHtml(a.outcome)} by ${escapeHtml(a.name)} on ${escapeHtml(a.date)}${a.note ? `: ${escapeHtml(a.note)}` : ''}; not observed by the harness.</p>`,
    );
  }
  return parts.join('\n');
}

/** One line per piece of evidence, for the status trace. */
export function describeRef(ref: EvidenceRef): string {
  switch (ref.kind) {
    case 'flow':
      return `${ref.scenario}: ${ref.method} ${ref.url} (${ref.phase}, ${ref.destination}${ref.sinceLaunchMs === null ? '' : `, +${(ref.sinceLaunchMs / 1000).toFixed(1)} s`})${ref.attempted ? ` — ${ref.attempted}` : ''}`;
    case 'scenario':
      return `${ref.scenario}: ${ref.status} — ${ref.detail}`;
    case 'api-event':
      return `${ref.scenario}: ${ref.api} by ${ref.attributedTo} (${ref.phase})`;
    case 'timeline':
      return `${ref.scenario}: ${ref.action}${ref.selector ? ` ${ref.selector}` : ''}${ref.detail ? ` — ${ref.detail}` : ''}`;
    case 'screenshot':
      return `${ref.scenario}: screenshot ${ref.file}`;
    case 'note':
      return ref.detail;
  }
}

interface ScenarioFacts {
  name: string;
  status: string;
  dir: string;
  timeline: TimelineEntry[];
  screenshots: string[];
}

async function readScenarios(evidenceDir: string, report: Report): Promise<Map<string, ScenarioFacts>> {
  const scenarios = new Map<string, ScenarioFacts>();
  for (const scenario of report.scenarios) {
    const dir = join(evidenceDir, scenario.name);
    const timelineFile = join(dir, BundleFiles.timeline);
    const scenarioFile = join(dir, BundleFiles.scenario);
    const timeline = existsSync(timelineFile)
      ? decodeBundleFile('timeline', await readFile(timelineFile, 'utf8'), timelineFile)
      : [];
    const screenshots = existsSync(scenarioFile)
      ? decodeBundleFile('scenario', await readFile(scenarioFile, 'utf8'), scenarioFile).screenshots
      : [];
    scenarios.set(scenario.name, { name: scenario.name, status: scenario.status, dir, timeline, screenshots });
  }
  return scenarios;
}

/** Steps: each scenario the item's evidence cites, with its timeline and the cited flows in time order, and their evidence attached. */
function writeSteps(
  runtime: ReporterRuntime,
  uuid: string,
  item: ItemResult,
  scenarios: ReadonlyMap<string, ScenarioFacts>,
  flows: ReadonlyMap<string, FlowEvidence>,
  policy: EvidencePolicy,
  report: Report,
): void {
  const cited = new Map<string, EvidenceRef[]>();
  const seen = new Set<string>();
  for (const ref of item.evidence) {
    if (!('scenario' in ref)) continue;
    // Two checks of one item often cite the same flow: show it once.
    const key = ref.kind === 'flow' ? `flow ${ref.scenario}/${ref.flowId}` : JSON.stringify(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    cited.set(ref.scenario, [...(cited.get(ref.scenario) ?? []), ref]);
  }
  const failed = item.status === 'fail';
  let attachedFlows = 0;
  for (const [name, refs] of cited) {
    const facts = scenarios.get(name);
    const flowRefs = refs.filter((ref) => ref.kind === 'flow');
    const evidence = flowRefs.flatMap((ref) => {
      const flow = flows.get(`${ref.scenario}/${ref.flowId}`);
      return flow ? [flow] : [];
    });
    const attach = evidence.slice(0, Math.max(0, MAX_FLOWS_PER_ITEM - attachedFlows));
    attachedFlows += attach.length;
    const scenarioStep = runtime.startStep(uuid, undefined, {
      name: oneLine(`scenario ${name}${facts ? ` (${facts.status})` : ''}: ${refs.length} piece(s) of evidence`),
      ...(facts?.timeline[0] ? { start: facts.timeline[0].at } : {}),
    });
    if (!scenarioStep) continue;
    const children: Array<{ at: number; step: Partial<StepResult> }> = (facts?.timeline ?? []).map((entry) => ({
      at: entry.at,
      step: {
        name: oneLine(`${entry.action}${entry.selector ? ` ${entry.selector}` : ''}${entry.detail ? ` — ${entry.detail}` : ''}`),
        status: Status.PASSED,
        stage: Stage.FINISHED,
        start: entry.at,
        stop: entry.done,
      },
    }));
    for (const ref of flowRefs) {
      const flow = flows.get(`${ref.scenario}/${ref.flowId}`);
      const at = flow?.startedAt ?? (facts?.timeline[0]?.at ?? 0) + (ref.sinceLaunchMs ?? 0);
      children.push({
        at,
        step: {
          name: oneLine(`flow ${ref.flowId}: ${ref.method} ${ref.url} (${ref.phase}, ${ref.destination})`, 400),
          status: failed ? Status.FAILED : Status.PASSED,
          stage: Stage.FINISHED,
          start: at,
          stop: at,
        },
      });
    }
    for (const ref of refs) {
      if (ref.kind === 'flow') continue;
      children.push({
        at: ref.kind === 'timeline' ? ref.at : Number.MAX_SAFE_INTEGER,
        step: { name: oneLine(describeRef(ref), 400), status: failed ? Status.FAILED : Status.PASSED, stage: Stage.FINISHED },
      });
    }
    children.sort((a, b) => a.at - b.at);
    for (const child of children) {
      const step = runtime.startStep(uuid, scenarioStep, child.step);
      if (step) runtime.stopStep(step, child.step.stop !== undefined ? { stop: child.step.stop } : {});
    }
    for (const flow of attach) {
      runtime.writeAttachment(
        uuid,
        scenarioStep,
        oneLine(`flow ${flow.flowId} ${flow.method} ${flow.url}`, 160),
        Buffer.from(flowExcerpt(flow, policy)),
        {
          contentType: 'text/plain',
          fileExtension: 'txt',
        },
      );
    }
    if (attach.some((flow) => flow.har)) {
      const har = harSlice(attach, { name: report.tool.name, version: report.tool.version }, policy);
      runtime.writeAttachment(
        uuid,
        scenarioStep,
        oneLine(`HAR of the ${har.log.entries.length} cited flow(s) of ${name}`),
        Buffer.from(inertJson(har)),
        {
          contentType: 'text/plain',
          fileExtension: 'har',
        },
      );
    }
    // Screenshots for failures only: the same picture would otherwise be copied into every item that cites the scenario.
    for (const file of failed || item.status === 'inconclusive' ? screenshotsFor(refs, attach, facts) : []) {
      runtime.writeAttachment(uuid, scenarioStep, oneLine(`screenshot ${file}`), join(facts!.dir, file), {
        contentType: 'image/png',
      });
    }
    if (evidence.length > attach.length) {
      const step = runtime.startStep(uuid, scenarioStep, {
        name: `${evidence.length - attach.length} more cited flow(s) not attached (at most ${MAX_FLOWS_PER_ITEM} per item; all are in report.json)`,
        status: Status.PASSED,
        stage: Stage.FINISHED,
      });
      if (step) runtime.stopStep(step);
    }
    runtime.updateStep(scenarioStep, (step) => {
      step.status = failed && (flowRefs.length > 0 || refs.length > 0) ? Status.FAILED : Status.PASSED;
      step.stage = Stage.FINISHED;
    });
    const last = facts?.timeline.at(-1);
    runtime.stopStep(scenarioStep, last ? { stop: last.done } : {});
  }
}

/** The screenshots cited, else the one taken closest to the first attached flow (the scenario's state at that moment). */
function screenshotsFor(
  refs: readonly EvidenceRef[],
  flows: readonly FlowEvidence[],
  facts: ScenarioFacts | undefined,
): string[] {
  if (!facts) return [];
  const present = (file: string) => facts.screenshots.includes(file) && existsSync(join(facts.dir, file));
  const cited = refs.flatMap((ref) => (ref.kind === 'screenshot' && present(ref.file) ? [ref.file] : []));
  if (cited.length) return [...new Set(cited)];
  const first = flows[0];
  if (!first) return [];
  const shots = facts.timeline.filter((entry) => entry.action === 'screenshot' && entry.detail && present(entry.detail));
  shots.sort((a, b) => Math.abs(a.at - first.startedAt) - Math.abs(b.at - first.startedAt));
  return shots[0]?.detail ? [shots[0].detail] : [];
}

/**
 * JSON text that stays JSON and cannot act as markup anywhere it is shown: `<`, `>` and `&`
 * (which JSON only has inside strings) written as \u escapes; control characters are escaped
 * by JSON.stringify itself.
 */
export function inertJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')}\n`;
}

function environmentOf(report: Report, policy: EvidencePolicy, extra: Readonly<Record<string, string>>): Record<string, string> {
  const environment: Record<string, string> = {
    'conformance.version': report.tool.version,
    'report.schema': String(report.schemaVersion),
    'app.name': report.app.name,
    'app.platform': report.app.platform,
    'app.manifest': report.app.manifest,
    device: report.device,
    scenarios: report.scenarios.map((s) => `${s.name} (${s.status})`).join(', '),
    suites: report.suites.map((s) => s.id).join(', '),
    'run.startedAt': report.startedAt,
    'run.finishedAt': report.finishedAt,
    'tools.allure-js-commons': packageVersion('allure-js-commons'),
    'tools.allure-commandline': packageVersion('allure-commandline'),
    'attachments.redact': String(policy.redact),
    'attachments.keepRaw': String(policy.keepRaw),
    ...extra,
  };
  // environment.properties is key=value per line: keys and values on one line each, inert.
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [oneLine(key, 100).replace(/[=:\s]/g, '_'), oneLine(value, 1000)]),
  );
}

/** The installed version of a package (found from its entry point: not every package exports its package.json). */
function packageVersion(name: string): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (let up = 0; up < 6; up++, dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const data = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (data.name === name && data.version) return data.version;
    }
  } catch {
    // not installed: said below
  }
  return 'unknown';
}

/** categories.json: one category per check that failed an item (its id is in the message), then the kinds of non-result. */
function categoriesOf(report: Report) {
  const failing = [
    ...new Set(
      report.suites.flatMap((s) => s.items.flatMap((i) => i.checks.filter((c) => c.status === 'fail').map((c) => c.id))),
    ),
  ].sort();
  const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    ...failing.map((id) => ({
      name: `${checkArea(id)}: ${id}`,
      matchedStatuses: [Status.FAILED],
      messageRegex: `(?s).*\\b${escapeRegex(id)}: .*`,
    })),
    { name: 'attested failures (recorded by a person)', matchedStatuses: [Status.FAILED], messageRegex: '(?s).*attested fail.*' },
    {
      name: 'inconclusive: the run could not observe it',
      matchedStatuses: [Status.BROKEN],
      messageRegex: '(?s)inconclusive: .*',
    },
    { name: 'other verdicts nobody could reach', matchedStatuses: [Status.BROKEN] },
  ];
}

function executorOf(report: Report) {
  return {
    name: 'conformance',
    type: 'conformance',
    buildName: `${oneLine(report.app.name)} ${report.startedAt}`,
    // The report command numbers the run after the history it carries (the trend graphs' labels).
    buildOrder: 1,
    reportName: `conformance: ${oneLine(report.app.name)}`,
  };
}
