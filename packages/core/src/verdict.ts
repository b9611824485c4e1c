import { z } from 'zod';
import { phases } from './phase.js';

/**
 * The outcome of a check. `not-run`: a scenario the check needs was not requested for this
 * run (e.g. `--scenarios idle`) and nothing it did observe failed; it is listed, never passed,
 * and neither inconclusive nor counted in the exit code.
 */
export const checkStatuses = ['pass', 'fail', 'not-applicable', 'inconclusive', 'not-run'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

/** A pointer from a verdict to what justifies it in the evidence bundle. */
export const evidenceRefSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('flow'),
    scenario: z.string(),
    flowId: z.string(),
    method: z.string(),
    url: z.string(),
    host: z.string(),
    scheme: z.string(),
    phase: z.enum(phases),
    /** Milliseconds from the scenario's launch to the request's start. */
    sinceLaunchMs: z.number().nullable(),
    destination: z.string(),
    /** The script that started the request, when the browser's network log names it. */
    initiator: z.string().optional(),
    /** Set when the request never reached the proxy because the browser stopped it: why, and what that means. */
    attempted: z.string().optional(),
  }),
  z.object({ kind: z.literal('scenario'), scenario: z.string(), status: z.string(), detail: z.string() }),
  z.object({
    kind: z.literal('api-event'),
    scenario: z.string(),
    api: z.string(),
    eventKind: z.enum(['permission', 'sensitive-api']),
    phase: z.enum(phases),
    /** The script that made the call, and the SDK it belongs to when known. */
    script: z.string().nullable(),
    attributedTo: z.string(),
    sinceLaunchMs: z.number().nullable(),
  }),
  z.object({
    kind: z.literal('timeline'),
    scenario: z.string(),
    action: z.string(),
    at: z.number(),
    selector: z.string().optional(),
    detail: z.string().optional(),
  }),
  z.object({ kind: z.literal('screenshot'), scenario: z.string(), file: z.string() }),
  z.object({ kind: z.literal('note'), detail: z.string() }),
]);
export type EvidenceRef = z.infer<typeof evidenceRefSchema>;

export const checkResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(checkStatuses),
  summary: z.string(),
  evidence: z.array(evidenceRefSchema),
});
export type CheckResult = z.infer<typeof checkResultSchema>;
