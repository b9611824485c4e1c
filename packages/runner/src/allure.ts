import { join } from 'node:path';
import type { Analysis, AnalyzedFlow, Report } from '@conformance/core';
import { decodeFlow } from '@conformance/analyzer';
import { readHarEntries, type HarEntry } from '@conformance/report';
import {
  ALLURE_RESULTS_DIR,
  writeAllureResults,
  type AllureResultsOutput,
  type FlowEvidence,
  type FlowFinding,
} from '@conformance/report-allure';

export interface AllureOptions {
  outDir: string;
  evidenceDir: string;
  /** `--redact`: mask the personal-data values in the attachments. */
  redact?: boolean;
  /** `--keep-raw`: keep the recorded bodies in the attachments. */
  keepRaw?: boolean;
  /** The run's configuration, for environment.properties. */
  environment?: Readonly<Record<string, string>>;
}

/**
 * Writes `<out>/allure-results/` for a report: gathers what the items cite (each flow's
 * findings with the decoded value at their place, and its HAR entry from the journal) and
 * hands it to @conformance/report-allure, which decides what of it is written.
 */
export async function writeAllure(report: Report, analysis: Analysis, options: AllureOptions): Promise<AllureResultsOutput> {
  const cited = new Set<string>();
  for (const suite of report.suites) {
    for (const item of suite.items) {
      for (const ref of item.evidence) if (ref.kind === 'flow') cited.add(`${ref.scenario}/${ref.flowId}`);
    }
  }
  const analyzed = new Map<string, AnalyzedFlow>();
  for (const scenario of analysis.scenarios) {
    for (const flow of scenario.flows) {
      const key = `${flow.scenario}/${flow.flow.id}`;
      if (cited.has(key)) analyzed.set(key, flow);
    }
  }
  const har = new Map<string, HarEntry>();
  for (const scenario of new Set([...analyzed.values()].map((flow) => flow.scenario))) {
    const ids = new Set([...analyzed.values()].filter((flow) => flow.scenario === scenario).map((flow) => flow.flow.id));
    try {
      // Only the cited flows' records and body files are read, never the whole capture.
      // Their bodies only with --keep-raw: without it the attachments give a body's length alone.
      for (const entry of await readHarEntries(join(options.evidenceDir, scenario), ids, { bodies: options.keepRaw ?? false })) {
        har.set(`${scenario}/${entry._conformance.flowId}`, entry);
      }
    } catch {
      // No journal (a scenario that never started its proxy): the flows are shown without a HAR entry.
    }
  }
  const flows: FlowEvidence[] = [...analyzed.entries()].map(([key, flow]) => {
    const entry = har.get(key);
    return {
      scenario: flow.scenario,
      flowId: flow.flow.id,
      method: flow.flow.method,
      url: flow.flow.url,
      startedAt: flow.flow.startedAt,
      phase: flow.phase,
      destination: flow.destination.sdk
        ? `${flow.destination.kind} (${flow.destination.sdk})`
        : flow.destination.tracker
          ? `${flow.destination.kind} (known tracker: ${flow.destination.tracker.organization})`
          : flow.destination.kind,
      transport: flow.flow.scheme,
      protection: {
        class: flow.protection.class,
        structure: flow.protection.structure,
        size: flow.protection.size,
        layers: flow.protection.layers,
      },
      findings: findingsOf(flow),
      ...(entry ? { har: entry } : {}),
    };
  });
  return writeAllureResults({
    report,
    evidenceDir: options.evidenceDir,
    resultsDir: join(options.outDir, ALLURE_RESULTS_DIR),
    flows,
    ...(options.environment ? { environment: options.environment } : {}),
    policy: { redact: options.redact ?? false, keepRaw: options.keepRaw ?? false },
  });
}

/** The flow's findings, each with the decoded text at its place (the value as the app sent it). */
function findingsOf(flow: AnalyzedFlow): FlowFinding[] {
  if (flow.findings.length === 0) return [];
  let leaves = new Map<string, string>();
  try {
    const decoded = decodeFlow(flow.flow);
    leaves = new Map(decoded.leaves.map((leaf) => [leaf.path, leaf.text]));
    for (const number of decoded.numbers) if (!leaves.has(number.path)) leaves.set(number.path, String(number.value));
  } catch {
    // A flow that does not decode again shows the values as the report does.
  }
  return flow.findings.map((finding) => {
    const raw = leaves.get(finding.path);
    return {
      category: finding.category,
      role: finding.role,
      detector: finding.detector,
      path: finding.path,
      transforms: finding.transforms,
      shown: finding.value,
      ...(raw !== undefined && raw !== '' ? { raw } : {}),
    };
  });
}
