import { z } from 'zod';
import { grades } from './report.js';

/**
 * The fleet summary (`summary.json`, written by `conformance summary <reports-dir>`): per app its
 * score and grade per suite and its failed items, and the failures that are new since the
 * summary written before it. Plain data, defined once here; its JSON Schema is published in
 * packages/report/schema/summary.schema.json.
 */
export const SUMMARY_SCHEMA_VERSION = 1;

/** One failed suite item of one app; `app` + `id` is the key that says whether it is new. */
export const summaryFailureSchema = z.object({
  app: z.string(),
  suite: z.string(),
  /** The suite item id (e.g. `cn-gbt-35273.5-4`). */
  id: z.string(),
  title: z.string(),
  clause: z.string(),
  severity: z.string(),
  /** `fail` (observed), `attested-fail` (recorded by a person) or `waived` (accepted by a waiver in force). */
  status: z.string(),
});
export type SummaryFailure = z.infer<typeof summaryFailureSchema>;

export const summaryAppSchema = z.object({
  /** The app's name as its report gives it. */
  name: z.string(),
  /** The app's folder, relative to the reports folder. */
  folder: z.string(),
  platform: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /**
   * `complete`; `incomplete` when a scenario ended in an error or a check was inconclusive;
   * `interrupted` when the run was stopped by a signal (its report says which and when).
   */
  run: z.enum(['complete', 'incomplete', 'interrupted']),
  totals: z.record(z.string(), z.number().int()),
  suites: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      score: z.number().nullable(),
      grade: z.enum(grades).nullable(),
      coverage: z.number(),
    }),
  ),
  failures: z.array(summaryFailureSchema),
  /** The app's Allure report relative to the reports folder, or null when it was not generated. */
  allureReport: z.string().nullable(),
});
export type SummaryApp = z.infer<typeof summaryAppSchema>;

export const summarySchema = z.object({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  generatedAt: z.string(),
  /** When the summary compared against was written; null on the first summary of a folder. */
  previousGeneratedAt: z.string().nullable(),
  apps: z.array(summaryAppSchema),
  /** Failures of this run whose app + item id was not failing in the previous summary. */
  newFailures: z.array(summaryFailureSchema),
  /** Failures of the previous summary that no longer fail (of apps still in the summary). */
  resolvedFailures: z.array(summaryFailureSchema),
  /** Folders without a valid report.json, and why. */
  skipped: z.array(z.object({ folder: z.string(), reason: z.string() })),
});
export type Summary = z.infer<typeof summarySchema>;

/** The JSON Schema of summary.json, as published in packages/report/schema/summary.schema.json. */
export function summaryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(summarySchema, { io: 'output', target: 'draft-2020-12' }),
    title: `conformance fleet summary, schema version ${SUMMARY_SCHEMA_VERSION}`,
  };
}
