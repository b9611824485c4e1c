import { z } from 'zod';
import { severities } from './check-ids.js';
import { interruptionSchema } from './bundle.js';
import { scenarioNames, scenarioTimingSchema } from './evidence.js';
import { itemModes, suiteCategories } from './suite.js';
import { waiversReportSchema } from './waivers.js';
import { checkResultSchema, checkStatuses, evidenceRefSchema, type CheckResult, type CheckStatus } from './verdict.js';

/**
 * The report model (`report.json`): plain data, defined once here; the TypeScript types and
 * the published JSON Schema (packages/report/schema/report.schema.json) come from it.
 */
export const REPORT_SCHEMA_VERSION = 3;

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
 * its checks; `not-run`: a check it needs was not run because its scenarios were not requested;
 * `manual` awaits a person; `attested-pass`/`attested-fail` were recorded by a person
 * (`--attest`) and never count as observed. `waived`: it failed and a waiver in force accepts
 * the failure; it never counts as passed, and scores as the failure it is.
 */
export const itemStatuses = [
  'pass',
  'fail',
  'inconclusive',
  'not-applicable',
  'manual',
  'attested-pass',
  'attested-fail',
  'not-run',
  'waived',
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
  /** The waiver that accepted the item's failure (status `waived`). */
  waiver: z
    .object({
      /** The item id or check id the waiver named. */
      names: z.string(),
      host: z.string().optional(),
      reason: z.string(),
      owner: z.string(),
      expires: z.string(),
    })
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
  /**
   * Share (0–1) of the items that apply which were decided by observation (pass or fail);
   * `not-run` items (their scenarios were not requested) are left out of the share.
   */
  coverage: z.number().min(0).max(1),
  /** Share (0–1) of the automated items that apply which were decided. */
  automatedCoverage: z.number().min(0).max(1),
  counts: z.record(z.enum(itemStatuses), z.number().int()),
  items: z.array(itemResultSchema),
});
export type SuiteResult = z.infer<typeof suiteResultSchema>;

export const runTimingSchema = z.object({
  totalMs: z.number().int().min(0),
  /** Manifest, suites, app server, Appium. */
  setupMs: z.number().int().min(0),
  /** Wall time of all scenarios (run `concurrency` at a time). */
  scenariosMs: z.number().int().min(0),
  concurrency: z.number().int().min(1),
  analysisMs: z.number().int().min(0),
  reportMs: z.number().int().min(0),
  scenarios: z.array(scenarioTimingSchema.extend({ name: z.enum(scenarioNames), wallMs: z.number().int().min(0) })),
});
export type RunTiming = z.infer<typeof runTimingSchema>;

export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('conformance'), version: z.string() }),
  app: z.object({ name: z.string(), platform: z.string(), manifest: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Set when the run was stopped by SIGINT/SIGTERM: the report judges what was gathered until then. */
  interrupted: interruptionSchema.optional(),
  device: z.string(),
  scenarios: z.array(reportScenarioSchema),
  /** Hosts set aside as traffic of the platform itself (browser/OS), never counted against the app. */
  platformNoise: z.object({ hosts: z.array(z.string()), flows: z.number().int() }),
  checks: z.array(checkResultSchema),
  totals: z.record(z.enum(checkStatuses), z.number().int()),
  /** The suites the checks were scored against. */
  suites: z.array(suiteResultSchema),
  /** Where a live run's time went (absent for `conformance analyze`); no verdict depends on it. */
  timing: runTimingSchema.optional(),
  /** The waivers of the run, when a waiver file was used: which applied, which expired. */
  waivers: waiversReportSchema.optional(),
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
  const totals: Record<CheckStatus, number> = { pass: 0, fail: 0, 'not-applicable': 0, inconclusive: 0, 'not-run': 0 };
  for (const check of checks) totals[check.status]++;
  return totals;
}
