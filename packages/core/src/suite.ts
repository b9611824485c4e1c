import { z } from 'zod';
import { checkIds, severities } from './check-ids.js';
import { platforms } from './platform.js';

/**
 * A conformance suite: the checklist of one regime and topic (`suites/<id>/suite.yaml`).
 * Each item names the clause of an instrument it comes from, states the requirement in our
 * own words, and names the checks that decide it (automated) or says a person must judge it
 * (manual). The file format is this schema; its JSON Schema (schema/suite.schema.json) lets
 * editors complete and check suite files.
 */

export const suiteCategories = [
  'consent',
  'withdrawal',
  'optional-data',
  'transport',
  'encryption',
  'disclosure',
  'permissions',
  'collection-frequency',
  'policy',
  'gpc',
] as const;
export type SuiteCategory = (typeof suiteCategories)[number];

export const itemModes = ['automated', 'manual'] as const;
export type ItemMode = (typeof itemModes)[number];

const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const instrumentSchema = z.strictObject({
  /** The catalogue's instrument key (e.g. `CN-MEASURES-2019`), or a new key. */
  id: z.string().min(1).describe("The instrument's key, e.g. CN-MEASURES-2019"),
  title: z.string().min(1),
  /** A version string or a date, as a string. */
  version: z.string().min(1).describe('A version or a date, as a string'),
  /** Where the text is: a URL or a reference to a stored source. */
  source: z.string().min(1).describe('Where the text is: a URL or a reference to a stored source'),
});
export type Instrument = z.infer<typeof instrumentSchema>;

export const itemAppliesSchema = z.strictObject({
  /** The item applies to apps of these platforms only. */
  platforms: z.array(z.enum(platforms)).min(1).optional(),
  /** The item applies only when the manifest's `sellsOrShares` equals this. */
  sellsOrShares: z.boolean().optional(),
  /**
   * The item also applies to native apps of these platforms whose manifest marks their UI as a
   * web view (`webView`), beside the `platforms` listed.
   */
  webViews: z
    .array(z.enum(platforms))
    .min(1)
    .optional()
    .describe('Also native apps of these platforms whose manifest says webView'),
});
export type ItemApplies = z.infer<typeof itemAppliesSchema>;

export const suiteItemSchema = z.strictObject({
  /** `<suite id>.<clause-ish>`, unique across every suite. */
  id: z
    .string()
    .regex(/^[a-z0-9-]+\.[A-Za-z0-9._-]+$/, 'an id such as cn-miit-measures.3.1 (the suite id, a dot, the clause)')
    .describe('<suite id>.<clause>, unique across every suite'),
  /** One of this suite's instruments. */
  instrument: z.string().min(1).describe("One of this suite's instruments"),
  /** The precise clause (section, article, item). */
  clause: z.string().min(1).describe('The precise clause: section, article, item'),
  /** The clause number could not be checked against the instrument's text. */
  unconfirmed: z.boolean().optional().describe("The clause number could not be checked against the instrument's text"),
  title: z.string().min(1).max(80).describe('A short name, at most 80 characters'),
  /** The requirement in our own words. */
  requirement: z.string().min(1).describe('The requirement in our own words, never copied text'),
  category: z.enum(suiteCategories),
  severity: z.enum(severities),
  weight: z.number().positive().default(1).describe('Weight in the score (default 1)'),
  mode: z.enum(itemModes).describe('automated: decided by its checks; manual: a person judges it (--attest)'),
  /** The checks that decide the item: required when automated, empty or absent when manual. */
  checks: z
    .array(z.enum(checkIds))
    .default([])
    .describe('The checks that decide it: required when automated, empty or absent when manual'),
  applies: itemAppliesSchema.optional().describe('Conditions under which the item applies; otherwise it is not-applicable'),
  /** Ids of the catalogue items this item derives from. */
  catalogue: z.array(z.string().min(1)).optional().describe('Ids of the catalogue items it derives from'),
  /** What the harness can and cannot observe for it. */
  notes: z.string().optional().describe('What the harness can and cannot observe for it'),
});
export type SuiteItem = z.output<typeof suiteItemSchema>;

export const suiteSchema = z
  .strictObject({
    /** Also the folder name; kebab-case, `<regime>-<topic>`. */
    id: z
      .string()
      .regex(kebab, 'a kebab-case id such as cn-miit-measures')
      .describe('The folder name, kebab-case: <regime>-<topic>'),
    title: z.string().min(1),
    /** What the suite answers, in 1–3 sentences. */
    description: z.string().min(1).describe('What the suite answers, in 1–3 sentences'),
    instruments: z.array(instrumentSchema).min(1, 'at least one instrument'),
    items: z.array(suiteItemSchema).min(1, 'at least one item'),
  })
  .superRefine((suite, context) => {
    const instruments = new Set<string>();
    suite.instruments.forEach((instrument, index) => {
      if (instruments.has(instrument.id)) {
        context.addIssue({
          code: 'custom',
          path: ['instruments', index, 'id'],
          message: `duplicate instrument id "${instrument.id}"`,
        });
      }
      instruments.add(instrument.id);
    });
    const items = new Set<string>();
    suite.items.forEach((item, index) => {
      if (!item.id.startsWith(`${suite.id}.`)) {
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'id'],
          message: `item id "${item.id}" must start with the suite id and a dot ("${suite.id}.")`,
        });
      }
      if (items.has(item.id)) {
        context.addIssue({ code: 'custom', path: ['items', index, 'id'], message: `duplicate item id "${item.id}"` });
      }
      items.add(item.id);
      if (!instruments.has(item.instrument)) {
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'instrument'],
          message: `"${item.instrument}" is not one of this suite's instruments (${[...instruments].join(', ')})`,
        });
      }
      if (item.mode === 'automated' && item.checks.length === 0) {
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'checks'],
          message: 'an automated item needs at least one check id',
        });
      }
      if (item.mode === 'manual' && item.checks.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'checks'],
          message: 'a manual item cites no checks (leave checks out, or make the item automated)',
        });
      }
    });
  });
export type Suite = z.output<typeof suiteSchema>;
export type SuiteInput = z.input<typeof suiteSchema>;

/** The JSON Schema of a suite file, as published in `schema/suite.schema.json`. */
export function suiteJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(suiteSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'conformance suite',
    description: 'A conformance suite: suites/<regime>-<topic>/suite.yaml',
  };
}

/**
 * An attestation file (`--attest`): outcomes of manual items recorded by a person. They are
 * reported as attested, never as observed.
 */
export const attestationSchema = z.strictObject({
  /** The suite item judged (it must be a manual item of a suite in the run). */
  item: z.string().min(1),
  outcome: z.enum(['pass', 'fail']),
  /** Who judged it. */
  name: z.string().min(1),
  /** When, as YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-11-30'),
  note: z.string().min(1).optional(),
});
export type Attestation = z.infer<typeof attestationSchema>;

export const attestationFileSchema = z.strictObject({
  attestations: z.array(attestationSchema).min(1, 'at least one attestation'),
});
export type AttestationFile = z.infer<typeof attestationFileSchema>;
