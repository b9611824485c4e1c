import { z } from 'zod';

/**
 * A waiver file (`conformance.waivers.yaml` beside the app manifest, or `--waivers <file>`):
 * failures a team has accepted for a while, each with a reason, an owner and an expiry date.
 * A waived result is reported as `waived`, never as passed; it does not trip `--fail-on`.
 * Once its date has passed a waiver stops applying and the report flags it as expired.
 */
export const WAIVERS_FILE = 'conformance.waivers.yaml';

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD string that names a real calendar day. */
export function isCalendarDate(value: string): boolean {
  if (!isoDate.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const waiverSchema = z
  .strictObject({
    /** A suite item id (e.g. `eu-gdpr-eprivacy.5-3`): waives that item when it fails. */
    item: z.string().min(1).optional().describe('A suite item id; give item or check'),
    /** A check id (e.g. `transport.tls-everywhere`): waives its failure and every item it alone fails. */
    check: z.string().min(1).optional().describe('A check id; give item or check'),
    /** Only when every flow the failure cites goes to this host (or a subdomain of it). */
    host: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.-]+$/, 'a host name such as collect.vendor.example')
      .optional()
      .describe('Limits the waiver to failures whose flows all go to this host or its subdomains'),
    reason: z.string().min(1).describe('Why the failure is accepted'),
    owner: z.string().min(1).describe('Who answers for the waiver'),
    /** The last day the waiver applies, YYYY-MM-DD. */
    expires: z
      .string()
      .refine(isCalendarDate, 'a date such as 2027-03-31 (YYYY-MM-DD)')
      .describe('The last day the waiver applies, YYYY-MM-DD'),
  })
  .superRefine((waiver, context) => {
    if ((waiver.item === undefined) === (waiver.check === undefined)) {
      context.addIssue({ code: 'custom', path: ['item'], message: 'give exactly one of item or check' });
    }
  });
export type Waiver = z.infer<typeof waiverSchema>;

export const waiverFileSchema = z.strictObject({
  waivers: z.array(waiverSchema).min(1, 'at least one waiver'),
});
export type WaiverFile = z.infer<typeof waiverFileSchema>;

/**
 * What became of one waiver in a run: `active` (in force; `items` and `checks` list what it
 * waived, both empty when nothing it names failed) or `expired` (its date has passed; it
 * waived nothing and is flagged).
 */
export const waiverOutcomeSchema = z.object({
  item: z.string().optional(),
  check: z.string().optional(),
  host: z.string().optional(),
  reason: z.string(),
  owner: z.string(),
  expires: z.string(),
  state: z.enum(['active', 'expired']),
  /** The suite items this waiver turned from failed to waived. */
  items: z.array(z.string()),
  /** The failed checks this waiver accepted (the check keeps its status; the gate ignores it). */
  checks: z.array(z.string()),
});
export type WaiverOutcome = z.infer<typeof waiverOutcomeSchema>;

export const waiversReportSchema = z.object({
  /** The waiver file, as given or found beside the manifest. */
  file: z.string(),
  /** The day expiry was judged against (YYYY-MM-DD, UTC). */
  asOf: z.string(),
  entries: z.array(waiverOutcomeSchema),
});
export type WaiversReport = z.infer<typeof waiversReportSchema>;

/** The JSON Schema of a waiver file, as published in `schema/waivers.schema.json`. */
export function waiverFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(waiverFileSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'conformance waivers',
    description: 'Accepted failures: conformance.waivers.yaml beside the app manifest',
  };
}
