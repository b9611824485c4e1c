import { parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConformanceError, ErrorCodes } from './errors.js';
import { closestMatch, formatSchemaPath, knownKeysAt } from './schema-help.js';
import { hostMatches } from './hosts.js';
import { platforms } from './platform-names.js';

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
  platform: z.enum(platforms).default('web'),
  build: z.strictObject({
    dist: z
      .string()
      .min(1)
      .refine((dist) => !/^([\\/]|[A-Za-z]:)/.test(dist) && !dist.split(/[\\/]/).includes('..'), {
        message: 'a path inside the manifest\'s folder (no absolute path, no "..")',
      }),
  }),
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
  /**
   * android/ios: the app's UI is a web view (a hybrid or web-view shell app). `true`, or the
   * Appium context name of the web view when the app has several (`WEBVIEW_<package>` on
   * Android). It lets the gpc scenario run on the native app: Global Privacy Control is set
   * inside the web view. Not allowed on platform web.
   */
  webView: z
    .union([
      z.boolean(),
      z.strictObject({
        context: z.string().regex(/^WEBVIEW_\S+$/, 'an Appium web view context such as WEBVIEW_com.example.news'),
      }),
    ])
    .optional(),
  /** android/ios: the app's package name (Android) or bundle id (iOS), to start and restart it. */
  appId: z
    .string()
    .regex(/^[A-Za-z][\w.]*$/, 'a package name or bundle id such as com.example.news')
    .optional(),
});

export type AppManifest = z.output<typeof appManifestSchema>;

/** Whether the manifest marks a native app whose UI is a web view (`webView: true` or `{ context }`). */
export function isWebViewApp(manifest: Pick<AppManifest, 'webView'>): boolean {
  return manifest.webView !== undefined && manifest.webView !== false;
}

/** The Appium context the manifest names for its web view, if it names one. */
export function webViewContext(manifest: Pick<AppManifest, 'webView'>): string | undefined {
  return typeof manifest.webView === 'object' ? manifest.webView.context : undefined;
}

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
  const result = appManifestSchema.safeParse(toPlainData(document, file), { reportInput: true });
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
  if (result.data.platform === 'web' && isWebViewApp(result.data)) {
    throw new ConformanceError(
      ErrorCodes.MANIFEST_INVALID,
      `The app manifest is invalid:\n${file}: webView: only for platform android or ios (a web app is already a page in the browser)`,
      { hint: 'remove webView, or set platform to android or ios for a native app whose UI is a web view' },
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

/**
 * The document as plain data, with YAML aliases expanded at most a bounded number of times:
 * an alias bomb (aliases of aliases, exponential when expanded) is refused, not expanded.
 */
function toPlainData(document: Document, file: string): unknown {
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConformanceError(
      ErrorCodes.MANIFEST_SYNTAX,
      `The app manifest is not usable YAML:\n${file}: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'write the values out instead of repeating YAML aliases (*name) of aliases', cause: error },
    );
  }
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatSchemaPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(appManifestSchema, issue.path);
    return issue.keys
      .map((key) => {
        const suggestion = closestMatch(key, known);
        const prefix = issue.path.length ? `${where}.` : '';
        return `unknown key "${prefix}${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${known.join(', ')}`;
      })
      .join(`\n`);
  }
  if (issue.code === 'invalid_type') {
    return issue.input === undefined
      ? `${where}: required key is missing (expected ${issue.expected})`
      : `${where}: expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  return `${where}: ${issue.message}`;
}

/** `number 42`, `string "abc"`, `array`, `null` … for "expected X, got Y". */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

export { hostMatches };
