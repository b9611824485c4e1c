import { z } from 'zod';
import { ConformanceError, ErrorCodes } from './errors.js';
import {
  apiEventSchema,
  attemptedRequestSchema,
  baselineSchema,
  requestInitiatorSchema,
  scenarioNames,
  scenarioRecordSchema,
  storageSnapshotSchema,
  timelineEntrySchema,
} from './evidence.js';
import { canaryFileSchema } from './findings.js';
import { platforms } from './platform-names.js';

/**
 * The evidence bundle's layout: every file a run writes into `evidence/`, in one place. The
 * runner writes and the analyzer reads through these names and the schemas below, so the two
 * cannot drift apart.
 *
 * ```
 * evidence/
 *   app.yaml          the manifest the run was made for (a copy)
 *   run.json          tool, device, scenarios and windows of the run        runRecordSchema
 *   canaries.json     planted and device-read values                        canaryFileSchema
 *   baseline.json     the platform's own traffic, when one was recorded      baselineSchema
 *   waivers.yaml      the waiver file the run applied, when there was one (a copy)
 *   SHA256SUMS        a checksum of every other file
 *   SHA256SUMS.sig    Ed25519 signature of SHA256SUMS by the installation's key (base64)
 *   appium.log
 *   <scenario>/
 *     scenario.json   the scenario record without its timeline             scenarioRecordSchema
 *     timeline.json   every UI action, stamped                             timelineEntrySchema[]
 *     flows.jsonl     the proxy's journal                                  proxyRecordSchema per line
 *     events.json     API events, only when the session could record them  apiEventSchema[]
 *     initiators.json which script started each request (web)              requestInitiatorSchema[]
 *     attempted.json  requests the browser stopped before the proxy (web)  attemptedRequestSchema[]
 *     storage.json    cookies and web storage at the end                   storageSnapshotSchema
 *     *.png           screenshots named in scenario.json
 * ```
 */
export const BundleFiles = {
  manifest: 'app.yaml',
  run: 'run.json',
  canaries: 'canaries.json',
  baseline: 'baseline.json',
  checksums: 'SHA256SUMS',
  signature: 'SHA256SUMS.sig',
  waivers: 'waivers.yaml',
  /** Folder: the exact text of every suite the run was scored against, as `<suite id>.yaml`. */
  suites: 'suites',
  appiumLog: 'appium.log',
  scenario: 'scenario.json',
  timeline: 'timeline.json',
  flows: 'flows.jsonl',
  events: 'events.json',
  initiators: 'initiators.json',
  attempted: 'attempted.json',
  storage: 'storage.json',
} as const;

/**
 * The mark of a run stopped by a signal (SIGINT, SIGTERM): which signal and when. The evidence
 * gathered until then is kept and hashed; every check lacking its evidence is inconclusive.
 */
export const interruptionSchema = z.object({ signal: z.string(), at: z.string() });
export type Interruption = z.infer<typeof interruptionSchema>;

/**
 * The hash of an app build. `tree` (a folder, e.g. a web dist): SHA-256 over the lines
 * `<sha256 of the file>  <path relative to the folder>` of every file, sorted by path, each
 * ending in a line feed (the format of `sha256sum`); `file` (an .apk, .ipa, .app archive):
 * SHA-256 of the file.
 */
export const appBuildHashSchema = z.object({
  /** The build's path relative to the manifest's folder. */
  path: z.string(),
  kind: z.enum(['tree', 'file']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.number().int().min(0),
});
export type AppBuildHash = z.infer<typeof appBuildHashSchema>;

/** `run.json`: how the run was made, for the report and for a reviewer. */
export const runRecordSchema = z.object({
  tool: z.object({ name: z.literal('conformance'), version: z.string() }),
  /** ISO 8601 (as Date.prototype.toISOString writes it): the report's startedAt comes from it. */
  startedAt: z.iso.datetime({ offset: true }),
  /** The manifest's path on the machine that ran it. */
  manifest: z.string(),
  platform: z.enum(platforms).optional(),
  device: z.string(),
  deviceProfile: z.record(z.string(), z.unknown()).optional(),
  scenarios: z.array(z.enum(scenarioNames)),
  /**
   * Scenarios of the default protocol the run left out because the manifest lacks what they
   * need (withdraw without a withdraw path), each with the reason; absent when none was.
   */
  leftOut: z.array(z.object({ scenario: z.enum(scenarioNames), reason: z.string() })).optional(),
  observationMs: z.number().int().min(0),
  deadlineMs: z.number().int().min(0),
  remote: z.string().nullable(),
  node: z.string(),
  /** Set when the run was stopped by a signal before it had run every scenario. */
  interrupted: interruptionSchema.optional(),
  /**
   * Exact versions of the tools the run used, by name (node, python, mitmproxy, chromium,
   * chromedriver, appium and each Appium driver package); null when a tool was not found.
   */
  tools: z.record(z.string(), z.string().nullable()).optional(),
  /** The app build that was assessed, identified by its content. */
  appBuild: appBuildHashSchema.optional(),
  /** The seed of the persona typed into the app. */
  seed: z.number().int().optional(),
  /** The effective configuration of the run: every option it ran with, defaults filled in. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** The key that signs SHA256SUMS (SHA256SUMS.sig): its SHA-256 fingerprint over the DER public key. */
  signing: z.object({ algorithm: z.literal('ed25519'), publicKeyFingerprint: z.string() }).optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** The schema of every JSON file of the bundle, by its key in `BundleFiles`. */
export const bundleFileSchemas = {
  run: runRecordSchema,
  canaries: canaryFileSchema,
  baseline: baselineSchema,
  scenario: scenarioRecordSchema.omit({ timeline: true }),
  timeline: z.array(timelineEntrySchema),
  events: z.array(apiEventSchema),
  initiators: z.array(requestInitiatorSchema),
  attempted: z.array(attemptedRequestSchema),
  storage: storageSnapshotSchema,
} as const;
export type BundleJsonFile = keyof typeof bundleFileSchemas;
export type BundleFileContent<K extends BundleJsonFile> = z.output<(typeof bundleFileSchemas)[K]>;

/** The files of one scenario folder, in the order a run writes them. */
export const scenarioJsonFiles = ['scenario', 'timeline', 'events', 'initiators', 'attempted', 'storage'] as const;

/**
 * The text of a bundle file: validated against its schema first, so a run can never write
 * evidence that its own reader would reject.
 */
export function encodeBundleFile<K extends BundleJsonFile>(kind: K, value: BundleFileContent<K>): string {
  const result = (bundleFileSchemas[kind] as z.ZodType).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConformanceError(
      ErrorCodes.BUNDLE_INVALID,
      `${BundleFiles[kind]} would not be valid: ${issue.path.join('.')}: ${issue.message}`,
      { hint: 'this is a defect of the harness; report it with the run output' },
    );
  }
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Parses a bundle file's text; a clear CONF_BUNDLE_INVALID naming the file and the key path otherwise. */
export function decodeBundleFile<K extends BundleJsonFile>(kind: K, text: string, path: string): BundleFileContent<K> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${path} is not JSON`, {
      hint: 'the evidence folder was damaged; re-run the assessment or restore the file',
      cause: error,
    });
  }
  const result = (bundleFileSchemas[kind] as z.ZodType).safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${path}: ${issue.path.join('.')}: ${issue.message}`, {
      hint: 'the evidence folder was damaged or written by an incompatible version; re-run the assessment',
    });
  }
  return result.data as BundleFileContent<K>;
}
