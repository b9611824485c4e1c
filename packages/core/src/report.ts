import { z } from 'zod';
import { severities } from './check-ids.js';
import { scenarioNames } from './evidence.js';
import { itemModes, suiteCategories } from './suite.js';
import { checkResultSchema, checkStatuses, evidenceRefSchema, type CheckResult, type CheckStatus } from './verdict.js';

/**
 * The report model (`report.json`): plain data, defined once here; the TypeScript types and
 * the published JSON Schema (packages/report/schema/report.schema.json) come from it.
 */
export const REPORT_SCHEMA_VERSION = 2;

export const reportScenarioSchema = z.object({
  name: z.enum(scenarioNames),
  status: z.enum(['completed', 'error']),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  observationMs: z.number(),
  flows: z.number().int(),
  evidenceDir: z.string(),
});
export type ReportScenario = z.infer<typeof reportScenarioSchema>;

/**
 * The status of a suite item. `pass`/`fail`/`inconclusive`/`not-applicable` were observed by
 * its checks; `manual` awaits a person; `attested-pass`/`attested-fail` were recorded by a
 * person (`--attest`) and never count as observed.
 */
export const itemStatuses = [
  'pass',
  'fail',
  'inconclusive',
  'not-applicable',
  'manual',
  'attested-pass',
  'attested-fail',
] as const;
export type ItemStatus = (typeof itemStatuses)[number];

export const grades = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Grade = (typeof grades)[number];

export const itemResultSchema = z.object({
  id: z.string(),
  instrument: z.string(),
  clause: z.string(),
  title: z.string(),
  /** The suite's category of the item (consent, transport, …); absent in reports written before it was recorded. */
  category: z.enum(suiteCategories).optional(),
  severity: z.enum(severities),
  weight: z.number(),
  mode: z.enum(itemModes),
  status: z.enum(itemStatuses),
  /** Why, in one line. */
  summary: z.string(),
  /** The verdict of each check behind the item. */
  checks: z.array(z.object({ id: z.string(), status: z.enum(checkStatuses), summary: z.string() })),
  /** The evidence of the checks that decided the status. */
  evidence: z.array(evidenceRefSchema),
  /** A person's record of a manual outcome (`--attest`). */
  attestation: z
    .object({ outcome: z.enum(['pass', 'fail']), name: z.string(), date: z.string(), note: z.string().optional() })
    .optional(),
});
export type ItemResult = z.infer<typeof itemResultSchema>;

export const suiteResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  /** Where the suite was loaded from. */
  source: z.string(),
  /** Weighted share (0–100) of the decided automated items that passed; null when none was decided. */
  score: z.number().min(0).max(100).nullable(),
  /** A–F from the score, capped by failed critical and high items; null when too little was decided. */
  grade: z.enum(grades).nullable(),
  /** Share (0–1) of the items that apply which were decided by observation (pass or fail). */
  coverage: z.number().min(0).max(1),
  /** Share (0–1) of the automated items that apply which were decided. */
  automatedCoverage: z.number().min(0).max(1),
  counts: z.record(z.enum(itemStatuses), z.number().int()),
  items: z.array(itemResultSchema),
});
export type SuiteResult = z.infer<typeof suiteResultSchema>;

export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('conformance'), version: z.string() }),
  app: z.object({ name: z.string(), platform: z.string(), manifest: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  device: z.string(),
  scenarios: z.array(reportScenarioSchema),
  /** Hosts set aside as traffic of the platform itself (browser/OS), never counted against the app. */
  platformNoise: z.object({ hosts: z.array(z.string()), flows: z.number().int() }),
  checks: z.array(checkResultSchema),
  totals: z.record(z.enum(checkStatuses), z.number().int()),
  /** The suites the checks were scored against. */
  suites: z.array(suiteResultSchema),
});
export type Report = z.infer<typeof reportSchema>;

/** The JSON Schema of report.json, as published in packages/report/schema/report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reportSchema, { io: 'output', target: 'draft-2020-12' }),
    title: `conformance report, schema version ${REPORT_SCHEMA_VERSION}`,
  };
}

export function countStatuses(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const totals: Record<CheckStatus, number> = { pass: 0, fail: 0, 'not-applicable': 0, inconclusive: 0 };
  for (const check of checks) totals[check.status]++;
  return totals;
}
