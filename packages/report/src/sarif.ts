import type { Log, ReportingDescriptor, Result } from 'sarif';
import { inert, type ItemResult, type Report, type Severity, type SuiteResult } from '@conformance/core';
import { describeEvidence } from './table.js';

export const SARIF_FILE = 'results.sarif';

/** The published schema of SARIF 2.1.0 (OASIS, errata 01). */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const levels: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
const MAX_REFS = 20;

export interface SarifOptions {
  /**
   * Where the app manifest is, as a URI reference relative to `baseId` (forward slashes),
   * e.g. `fixtures/apps/news-leaky/conformance.app.yaml` relative to the repository.
   */
  manifestUri: string;
  /** The base the manifest URI is relative to: `SRCROOT` (the repository or working folder) or `RUNDIR` (the run folder). */
  baseId: 'SRCROOT' | 'RUNDIR';
  /** The file URL of that base, when it may be recorded. */
  baseUri?: string;
}

/** The check or checks whose failure failed the item; an attested item, which has none, is its own rule. */
function ruleIdsOf(item: ItemResult): string[] {
  const failing = item.checks.filter((check) => check.status === 'fail').map((check) => check.id);
  return failing.length ? failing : [item.id];
}

function message(item: ItemResult): string {
  const refs = item.evidence.slice(0, MAX_REFS).map((ref) => `- ${describeEvidence(ref)}`);
  if (item.evidence.length > MAX_REFS) refs.push(`- … and ${item.evidence.length - MAX_REFS} more in report.json`);
  return inert(
    `${item.id} (${item.instrument} ${item.clause}, ${item.severity}): ${item.title}. ${item.summary}${refs.length ? `\nEvidence:\n${refs.join('\n')}` : ''}`,
  );
}

/**
 * The report as a SARIF 2.1.0 log, for code-scanning views: one result per failed suite item
 * (a waived item is a result with an accepted external suppression, so it shows as
 * suppressed, never as fixed); the rule of a result is the check that failed it, with the
 * check's title as help and the clauses it decided in this run; the location is the app
 * manifest. Levels: critical and high items are `error`, medium `warning`, low `note`.
 * With no suite in the report, each failed check is a result of its own.
 */
export function toSarif(report: Report, options: SarifOptions): Log {
  const location = {
    physicalLocation: { artifactLocation: { uri: options.manifestUri, uriBaseId: options.baseId } },
  };
  const checkTitles = new Map(report.checks.map((check) => [check.id, check.title]));
  const failed: { suite: SuiteResult; item: ItemResult }[] = report.suites.flatMap((suite) =>
    suite.items
      .filter((item) => item.status === 'fail' || item.status === 'attested-fail' || item.status === 'waived')
      .map((item) => ({ suite, item })),
  );

  const clauses = new Map<string, Set<string>>();
  for (const { item } of failed) {
    for (const rule of ruleIdsOf(item)) {
      const set = clauses.get(rule) ?? new Set<string>();
      set.add(`${item.instrument} ${item.clause} (${item.id})`);
      clauses.set(rule, set);
    }
  }
  const itemTitles = new Map(failed.map(({ item }) => [item.id, item.title]));
  const ruleFor = (id: string): ReportingDescriptor => {
    const title = checkTitles.get(id) ?? itemTitles.get(id) ?? id;
    const decided = [...(clauses.get(id) ?? [])];
    return {
      id,
      name: id,
      shortDescription: { text: inert(title) },
      help: {
        text: inert(
          `${title}.${decided.length ? ` Clauses it decided in this run: ${decided.join('; ')}.` : ''} The evidence is in the run's evidence/ folder; report.json cites it.`,
        ),
      },
      ...(decided.length ? { properties: { clauses: decided.map((text) => inert(text)) } } : {}),
    };
  };

  const results: Result[] = failed.map(({ suite, item }) => {
    const [ruleId] = ruleIdsOf(item);
    return {
      ruleId: ruleId!,
      level: levels[item.severity],
      kind: 'fail',
      message: { text: message(item) },
      locations: [location],
      partialFingerprints: { conformanceItem: `${suite.id}/${item.id}` },
      ...(item.waiver
        ? {
            suppressions: [
              {
                kind: 'external' as const,
                status: 'accepted' as const,
                justification: inert(`${item.waiver.reason} (owner ${item.waiver.owner}, until ${item.waiver.expires})`),
              },
            ],
          }
        : {}),
      properties: {
        suite: suite.id,
        item: item.id,
        instrument: inert(item.instrument),
        clause: inert(item.clause),
        severity: item.severity,
        status: item.status,
        checks: ruleIdsOf(item),
      },
    };
  });
  if (report.suites.length === 0) {
    for (const check of report.checks.filter((c) => c.status === 'fail')) {
      results.push({
        ruleId: check.id,
        level: 'error',
        kind: 'fail',
        message: { text: inert(`${check.id}: ${check.summary}`) },
        locations: [location],
      });
    }
  }
  const ruleIds = [...new Set(results.map((result) => result.ruleId!))];

  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'conformance',
            version: report.tool.version,
            rules: ruleIds.map(ruleFor),
          },
        },
        ...(options.baseUri ? { originalUriBaseIds: { [options.baseId]: { uri: options.baseUri } } } : {}),
        invocations: [
          {
            executionSuccessful: report.scenarios.every((scenario) => scenario.status === 'completed'),
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
          },
        ],
        results,
        properties: { app: inert(report.app.name), platform: report.app.platform, device: report.device },
      },
    ],
  };
}
