import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConformanceError, ErrorCodes } from './errors.js';

const hostname = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'a host name such as news.example.test');

/** A WebdriverIO selector string: CSS on the web, `~accessibility-id` or `id=` on Android and iOS. */
const selector = z.string().min(1, 'a selector such as "#consent-accept"');

const sdkSchema = z
  .strictObject({
    name: z.string().min(1),
    hosts: z.array(hostname).min(1, 'at least one host'),
    encryption: z.enum(['required', 'none']).optional(),
    necessary: z.boolean().default(false),
    reason: z.string().min(1).optional(),
  })
  .refine((sdk) => !sdk.necessary || sdk.reason !== undefined, {
    message: 'an SDK marked necessary: true needs a reason',
    path: ['reason'],
  });

const journeyStep = z.union([
  z.strictObject({ tap: selector }),
  z.strictObject({ wait: z.number().int().min(0).max(600_000) }),
  z.strictObject({ type: selector, text: z.string() }),
]);

export const appManifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case name of letters, digits, ".", "_" or "-"'),
  platform: z.enum(['web', 'android', 'ios']).default('web'),
  build: z.strictObject({ dist: z.string().min(1) }),
  /**
   * Where the app starts: a path (served at https://<first firstParty host><path>) or a
   * full http(s) URL on a first-party host, e.g. to serve a web app over plain http.
   */
  entry: z
    .string()
    .regex(/^(\/|https?:\/\/[^/]+\/)/, 'a path starting with "/" or an http(s) URL such as http://news.example.test/index.html')
    .default('/index.html'),
  firstParty: z.array(hostname).min(1, 'at least one first-party host'),
  sellsOrShares: z.boolean().default(true),
  sdks: z.array(sdkSchema).default([]),
  /**
   * The consent dialog's selectors. Optional: without it the driver finds the dialog itself
   * (web: the consent-management platform's own rule; otherwise keyword heuristics). Given,
   * it always wins.
   */
  consent: z
    .strictObject({
      dialog: selector,
      accept: selector,
      reject: selector.optional(),
      policyLink: selector.optional(),
    })
    .optional(),
  withdraw: z.array(selector).optional(),
  privacyPolicy: z.strictObject({ path: z.array(selector).min(1) }).optional(),
  journey: z.array(journeyStep).default([]),
  /** android/ios: the app's package name (Android) or bundle id (iOS), to start and restart it. */
  appId: z
    .string()
    .regex(/^[A-Za-z][\w.]*$/, 'a package name or bundle id such as com.example.news')
    .optional(),
});

export type AppManifest = z.output<typeof appManifestSchema>;

/** The URL the device opens: the manifest's entry, resolved against its first first-party host. */
export function entryUrl(manifest: Pick<AppManifest, 'entry' | 'firstParty'>): URL {
  const host = manifest.firstParty[0]!.replace(/^\*\./, '');
  return new URL(manifest.entry, `https://${host}`);
}
export type AppManifestInput = z.input<typeof appManifestSchema>;
export type JourneyStep = AppManifest['journey'][number];
export type DeclaredSdk = AppManifest['sdks'][number];
export type ConsentSelectors = NonNullable<AppManifest['consent']>;

/**
 * Parses the text of a `conformance.app.yaml`. Unknown keys and wrong values are
 * rejected with one line per problem naming the file, the key path and what was expected.
 */
export function parseAppManifest(text: string, file: string): AppManifest {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const position = error.linePos?.[0];
      return `${file}${position ? `:${position.line}:${position.col}` : ''}: ${error.message.split('\n')[0]}`;
    });
    throw new ConformanceError(ErrorCodes.MANIFEST_SYNTAX, `The app manifest is not valid YAML:\n${lines.join('\n')}`, {
      hint: 'fix the YAML syntax at the position shown',
    });
  }
  const result = appManifestSchema.safeParse(document.toJS());
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${file}: ${formatIssue(issue)}`);
    throw new ConformanceError(ErrorCodes.MANIFEST_INVALID, `The app manifest is invalid:\n${lines.join('\n')}`, {
      hint: 'correct the keys named above (the format is in docs/MANIFEST.md)',
    });
  }
  if (result.data.platform !== 'web' && !result.data.appId) {
    throw new ConformanceError(
      ErrorCodes.MANIFEST_INVALID,
      `The app manifest is invalid:\n${file}: appId: required for platform ${result.data.platform}`,
      {
        hint: 'add appId: the Android package name or iOS bundle id of the app',
      },
    );
  }
  const entry = entryUrl(result.data);
  if (!result.data.firstParty.some((host) => hostMatches(entry.hostname, host))) {
    throw new ConformanceError(
      ErrorCodes.MANIFEST_INVALID,
      `The app manifest is invalid:\n${file}: entry: host ${entry.hostname} is not one of firstParty (${result.data.firstParty.join(', ')})`,
      { hint: 'serve the app from a first-party host: add it to firstParty or change entry' },
    );
  }
  return result.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys
      .map((key) => {
        const suggestion = closest(key, known);
        const prefix = issue.path.length ? `${where}.` : '';
        return `unknown key "${prefix}${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${known.join(', ')}`;
      })
      .join(`\n`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${where}: required key is missing (expected ${issue.expected})`;
  }
  return `${where}: ${issue.message}`;
}

/** The keys the schema accepts at a path, for "expected one of" and "did you mean". */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType = appManifestSchema;
  for (const part of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next: z.core.$ZodType | undefined = (schema.shape as Record<string, z.core.$ZodType>)[String(part)];
      if (!next) return [];
      schema = next;
    } else if (schema instanceof z.ZodArray) {
      schema = schema.element as z.core.$ZodType;
    } else {
      return [];
    }
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) {
    return [...new Set(schema.options.flatMap((option) => (option instanceof z.ZodObject ? Object.keys(option.shape) : [])))];
  }
  return [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.core.$ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.core.$ZodType;
    } else {
      return current;
    }
  }
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether `host` is `entry` or one of its subdomains; `*.example.test` matches subdomains only. */
export function hostMatches(host: string, entry: string): boolean {
  const h = host.toLowerCase();
  const e = entry.toLowerCase();
  if (e.startsWith('*.')) return h.endsWith(e.slice(1));
  return h === e || h.endsWith(`.${e}`);
}
