import { z } from 'zod';
import { platforms } from './platform-names.js';

/**
 * Body bytes as recorded by the proxy, exactly: inline as UTF-8 text when they decode,
 * inline base64 otherwise, or (large bodies) in a file beside the journal, named in `file`
 * relative to the scenario's evidence folder. `size` and `sha256` are always of the raw bytes
 * stored (a body cut at the evidence cap says so in `truncated`).
 */
export const recordedBodySchema = z
  .object({
    size: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    encoding: z.enum(['utf8', 'base64', 'file']),
    data: z.string().optional(),
    file: z.string().optional(),
    /**
     * Set when the body was longer than the evidence cap allowed (`--max-body`, `--max-evidence`):
     * `size`/`sha256` and the stored bytes are the cut body, this is the full body's length and
     * SHA-256. Whatever lay past the cut was never analysed.
     */
    truncated: z.object({ size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  })
  .refine((body) => (body.encoding === 'file' ? body.file !== undefined : body.data !== undefined), {
    message: 'an inline body needs data; a body stored in a file needs file',
  });
export type RecordedBody = z.infer<typeof recordedBodySchema>;

/**
 * TLS facts of the client connection that carried a flow; `null` on the flow for cleartext.
 * Fields past `sni`/`version` were added later and are absent from older journals.
 */
export const flowTlsSchema = z.object({
  sni: z.string().nullable(),
  /** The negotiated protocol version (OpenSSL's name, e.g. `TLSv1.3`). */
  version: z.string().nullable(),
  /** The client completed the handshake with the interception certificate. */
  accepted: z.boolean().optional(),
  /** Versions the client offered in its ClientHello (supported_versions, else the legacy version). */
  offeredVersions: z.array(z.string()).optional(),
  alpnOffered: z.array(z.string()).optional(),
  alpn: z.string().nullable().optional(),
  cipher: z.string().nullable().optional(),
  establishedAt: z.number().nullable().optional(),
});

/** One HTTP request as the proxy saw it, recorded when the request was complete. */
export const flowRecordSchema = z.object({
  type: z.literal('flow'),
  v: z.number().int(),
  id: z.string().min(1),
  /** Milliseconds since the epoch, from the proxy's clock. */
  startedAt: z.number(),
  completedAt: z.number(),
  client: z.string().nullable(),
  method: z.string(),
  scheme: z.enum(['http', 'https']),
  host: z.string(),
  port: z.number().int(),
  path: z.string(),
  url: z.string(),
  httpVersion: z.string(),
  headers: z.array(z.tuple([z.string(), z.string()])),
  body: recordedBodySchema,
  tls: flowTlsSchema.nullable(),
  /** Who answered: the local sinkhole, the locally served first party, or the real upstream. */
  answer: z.enum(['sinkhole', 'local', 'upstream']),
  /** CLOCK_MONOTONIC milliseconds of the proxy (Node's `process.hrtime` clock on Linux): request start and end. */
  startedMono: z.number().optional(),
  completedMono: z.number().optional(),
  /** The request asks to upgrade to a WebSocket; its messages are `ws-message` records with this flow's id. */
  websocket: z.boolean().optional(),
  /**
   * Never in a journal: set by the bundle reader on a flow made from `attempted.json`, a request
   * the browser stopped before it reached the proxy. The analysis counts it as sent.
   */
  attempted: z.object({ reason: z.string(), note: z.string() }).optional(),
});

/** A client that refused the interception certificate (certificate pinning shows up here). */
export const tlsFailureRecordSchema = z.object({
  type: z.literal('tls-failed'),
  v: z.number().int(),
  id: z.string(),
  at: z.number(),
  client: z.string().nullable(),
  sni: z.string().nullable(),
  error: z.string().nullable(),
  /** Added later (absent from older journals): monotonic time, the CONNECT target, the ClientHello's offer. */
  mono: z.number().optional(),
  host: z.string().nullable().optional(),
  port: z.number().int().nullable().optional(),
  startedAt: z.number().nullable().optional(),
  offeredVersions: z.array(z.string()).optional(),
  alpnOffered: z.array(z.string()).optional(),
});

export const readyRecordSchema = z.object({
  type: z.literal('ready'),
  v: z.number().int(),
  at: z.number(),
  mono: z.number().optional(),
  /** What ran the recording addon: `lean` (addon/engine.py) or `mitmdump` (the addon as a script). */
  engine: z.string().optional(),
  /** mitmproxy's version. */
  mitmproxy: z.string().optional(),
});

/** The answer to a flow (same `id`), written when the answer is complete; absent when none came. */
export const responseRecordSchema = z.object({
  type: z.literal('response'),
  v: z.number().int(),
  id: z.string().min(1),
  startedAt: z.number().nullable(),
  completedAt: z.number(),
  completedMono: z.number().optional(),
  status: z.number().int(),
  reason: z.string(),
  httpVersion: z.string(),
  headers: z.array(z.tuple([z.string(), z.string()])),
  /** Raw bytes as sent to the client (content encoding not undone). */
  body: recordedBodySchema,
  answer: z.enum(['sinkhole', 'local', 'upstream']),
  /** The synthetic answer of the sinkhole, not a real server. */
  sinkhole: z.boolean(),
  /** Streamed to the client as it arrived (server-sent events); `body` is what passed through. */
  streamed: z.boolean(),
});

/** A flow that ended in an error (upstream unreachable, client hung up …). */
export const errorRecordSchema = z.object({
  type: z.literal('error'),
  v: z.number().int(),
  id: z.string().min(1),
  at: z.number(),
  mono: z.number().optional(),
  message: z.string(),
  /** Whether the flow already had a response when it failed. */
  stage: z.enum(['request', 'response']),
});

/** One WebSocket message of the flow `id` (the upgrade request), in order `seq`. */
export const wsMessageRecordSchema = z.object({
  type: z.literal('ws-message'),
  v: z.number().int(),
  id: z.string().min(1),
  seq: z.number().int().min(0),
  at: z.number(),
  mono: z.number().optional(),
  direction: z.enum(['client-to-server', 'server-to-client']),
  opcode: z.enum(['text', 'binary']),
  body: recordedBodySchema,
});

export const proxyRecordSchema = z.discriminatedUnion('type', [
  flowRecordSchema,
  tlsFailureRecordSchema,
  readyRecordSchema,
  responseRecordSchema,
  errorRecordSchema,
  wsMessageRecordSchema,
]);

export type FlowRecord = z.infer<typeof flowRecordSchema>;
export type FlowTls = z.infer<typeof flowTlsSchema>;
export type TlsFailureRecord = z.infer<typeof tlsFailureRecordSchema>;
export type ResponseRecord = z.infer<typeof responseRecordSchema>;
export type ErrorRecord = z.infer<typeof errorRecordSchema>;
export type WsMessageRecord = z.infer<typeof wsMessageRecordSchema>;
export type ProxyRecord = z.infer<typeof proxyRecordSchema>;

/** UI actions stamped on the timeline. Choice actions start a new phase. */
export const timelineActions = [
  'launch',
  'relaunch',
  'dialog-shown',
  'dialog-absent',
  'consent-accept',
  'consent-reject',
  'withdraw',
  'tap',
  'type',
  'wait',
  'observe',
  'screenshot',
  /** The app was sent to the background (web: its page hidden and blurred; Android: HOME; iOS: backgrounded). */
  'background',
  /** The app came back to the foreground. */
  'foreground',
] as const;
export type TimelineAction = (typeof timelineActions)[number];

export const timelineEntrySchema = z.object({
  action: z.enum(timelineActions),
  /** Milliseconds since the epoch when the action was started. */
  at: z.number(),
  /** When the action returned. */
  done: z.number(),
  selector: z.string().optional(),
  detail: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const scenarioNames = ['idle', 'refuse', 'accept', 'withdraw', 'policy', 'gpc'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/**
 * How prominent one consent control is, measured in the rendered page (or the native view):
 * what `consent.reject-as-easy-as-accept` compares between accept and reject.
 */
export const controlMeasureSchema = z.object({
  selector: z.string(),
  text: z.string(),
  /** Rendered area in CSS pixels (width × height of its box). */
  area: z.number().min(0),
  /** Computed font size in CSS pixels; null where the platform does not say. */
  fontSizePx: z.number().min(0).nullable(),
  /** WCAG 2 contrast ratio of its text against its effective background (1–21); null where not measurable. */
  contrast: z.number().min(1).max(21).nullable(),
  /** Taps needed before the control is visible: 0 on the first layer. */
  tapsAway: z.number().int().min(0),
});
export type ControlMeasure = z.infer<typeof controlMeasureSchema>;

/** How a consent control or dialog was found: named in the manifest, by a CMP rule, or by the keyword heuristics. */
export const controlSourceSchema = z.object({
  method: z.enum(['manifest', 'cmp-rule', 'heuristic']),
  /** The CMP rule's name (autoconsent) or the heuristic's matched keyword. */
  rule: z.string().optional(),
  /** Heuristic confidence, 0–1. */
  confidence: z.number().min(0).max(1).optional(),
  /**
   * Set when the dialog or control lives inside an iframe (often on the consent platform's own
   * origin): the iframe element's CSS selector in the top document and the frame's origin.
   */
  frame: z.object({ selector: z.string(), origin: z.string() }).optional(),
});
export type ControlSource = z.infer<typeof controlSourceSchema>;

/** What the consent dialog looked like the first time it was shown. */
export const dialogFactsSchema = z.object({
  shown: z.boolean(),
  /** The manifest's reject control (or a button whose text says reject/refuse) is displayed in the dialog itself. */
  rejectOnFirstLayer: z.boolean(),
  rejectSelector: z.string().nullable(),
  /** Checkboxes and switches inside the dialog, as first shown. */
  toggles: z.array(z.object({ label: z.string(), checked: z.boolean() })),
  policyLink: z.boolean(),
  buttons: z.array(z.string()),
  screenshot: z.string().nullable(),
  /** The dialog's visible text as first shown (at most 8,000 characters), for `consent.notice-discloses`. */
  text: z.string().optional(),
  /** Prominence of the accept and reject controls on the first layer. */
  controls: z.object({ accept: controlMeasureSchema.optional(), reject: controlMeasureSchema.optional() }).optional(),
  /** How the dialog and each control were found. */
  found: z
    .object({
      dialog: controlSourceSchema.optional(),
      accept: controlSourceSchema.optional(),
      reject: controlSourceSchema.optional(),
    })
    .optional(),
});
export type DialogFacts = z.infer<typeof dialogFactsSchema>;

/**
 * A call to a sensitive API or a permission request, seen by the instrumentation script the
 * harness injects before any page script. `script` is the calling script's URL from the stack.
 */
export const apiEventSchema = z.object({
  kind: z.enum(['permission', 'sensitive-api']),
  api: z.string(),
  at: z.number(),
  script: z.string().nullable(),
  detail: z.string().optional(),
});
export type ApiEvent = z.infer<typeof apiEventSchema>;

/** Which script started a request, from the browser's network log. */
export const requestInitiatorSchema = z.object({
  url: z.string(),
  method: z.string(),
  at: z.number(),
  type: z.string(),
  script: z.string().nullable(),
});
export type RequestInitiator = z.infer<typeof requestInitiatorSchema>;

/**
 * A request the app tried to send that never reached the proxy because the browser stopped it
 * (mixed content, CORS, private network access, CSP, a certificate or name error), read from
 * the DevTools network log: `attempted.json` of a scenario. Fields are as far as DevTools had them.
 */
export const attemptedRequestSchema = z.object({
  /** DevTools' request id. */
  id: z.string().min(1),
  /** Milliseconds since the epoch when the browser started the request (DevTools wall time). */
  at: z.number(),
  method: z.string(),
  url: z.string(),
  /** Request headers the page set (DevTools does not see headers the network stack would have added). */
  headers: z.array(z.tuple([z.string(), z.string()])),
  /** The request body as DevTools reported it; null when there was none or DevTools did not keep it. */
  postData: z.string().nullable(),
  /** DevTools' resource type (Fetch, XHR, Ping, Image …). */
  type: z.string(),
  /** DevTools' `errorText`, e.g. `net::ERR_BLOCKED_BY_CLIENT`. */
  errorText: z.string(),
  /** DevTools' `blockedReason` (e.g. `mixed-content`, `csp`), when it gave one. */
  blockedReason: z.string().optional(),
  /** DevTools' `corsErrorStatus.corsError` (e.g. `InsecurePrivateNetwork`), when it gave one. */
  corsError: z.string().optional(),
  /** The script that started it, from the initiator stack. */
  script: z.string().nullable(),
});
export type AttemptedRequest = z.infer<typeof attemptedRequestSchema>;

/** Cookies and web storage after a scenario: identifiers found here become canaries. */
export const storageSnapshotSchema = z.object({
  cookies: z.array(z.object({ name: z.string(), value: z.string(), domain: z.string(), path: z.string() })),
  origins: z.array(
    z.object({
      origin: z.string(),
      localStorage: z.record(z.string(), z.string()),
      sessionStorage: z.record(z.string(), z.string()),
      indexedDB: z.array(
        z.object({
          database: z.string(),
          store: z.string(),
          entries: z.number(),
          /** The first records of the store as JSON (at most 50, each cut at 2,000 characters). */
          sample: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
});
export type StorageSnapshot = z.infer<typeof storageSnapshotSchema>;

export const policyOutcomeSchema = z.object({
  reached: z.boolean(),
  taps: z.number().int().nullable(),
  path: z.array(z.string()),
  method: z.enum(['manifest-path', 'exploration']),
  explored: z.number().int(),
  /** The policy page's URL and visible text (at most 200,000 characters) when it was reached, for `sdk.disclosed-in-policy`. */
  url: z.string().optional(),
  text: z.string().optional(),
});
export type PolicyOutcome = z.infer<typeof policyOutcomeSchema>;

export const scenarioTimingSchema = z.object({
  /** Starting the proxy and opening the device session. */
  sessionStartMs: z.number().int().min(0),
  /** The steps, less the time spent in observation windows and background holds. */
  stepsMs: z.number().int().min(0),
  /** Observation windows and background holds. */
  windowsMs: z.number().int().min(0),
  /** Collecting what the device holds, closing the session and stopping the proxy. */
  closeMs: z.number().int().min(0),
});
export type ScenarioTiming = z.infer<typeof scenarioTimingSchema>;

/** How a session set Global Privacy Control inside an app's web view, and what it read back. */
export const gpcSignalSchema = z.object({
  context: z.string(),
  header: z.literal('Sec-GPC: 1'),
  script: z.literal('navigator.globalPrivacyControl = true'),
  readBack: z.boolean(),
});
export type GpcSignal = z.infer<typeof gpcSignalSchema>;

export const scenarioRecordSchema = z.object({
  scenario: z.enum(scenarioNames),
  status: z.enum(['completed', 'error']),
  startedAt: z.number(),
  endedAt: z.number(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  /** What the harness was configured to observe, so a reviewer knows how long "nothing" was watched. */
  observationMs: z.number().int().min(0),
  /**
   * How long the final observation window really watched, and why it stopped: `window` (the
   * whole configured window) or `quiet` (a settled window: no request for `quietMs`).
   */
  observed: z
    .object({
      plannedMs: z.number().int().min(0),
      actualMs: z.number().int().min(0),
      endedBy: z.enum(['window', 'quiet']),
      quietMs: z.number().int().min(0).optional(),
    })
    .optional(),
  /** Where the scenario's time went: opening the proxy and session, the steps, the waiting windows, closing. */
  timing: scenarioTimingSchema.optional(),
  url: z.string(),
  timeline: z.array(timelineEntrySchema),
  /** Stream vs journal reconciliation made by the proxy adapter at stop. */
  capture: z.object({
    ready: z.boolean(),
    journaled: z.number().int(),
    streamed: z.number().int(),
    missingFromStream: z.array(z.string()),
    proxyExit: z.string().optional(),
  }),
  screenshots: z.array(z.string()),
  /** Consent dialog at first launch. */
  dialog: dialogFactsSchema.optional(),
  /** refuse: whether the dialog was shown again after relaunching. */
  repromptedAfterRelaunch: z.boolean().optional(),
  policy: policyOutcomeSchema.optional(),
  /** gpc: Global Privacy Control was on (Sec-GPC header and navigator.globalPrivacyControl). */
  gpc: z.boolean().optional(),
  /**
   * gpc on a native app whose UI is a web view: where the signal was set (the Appium web view
   * context), what was set, and `navigator.globalPrivacyControl` as read back from the web view
   * before the scenario went on (it goes on only when that is true).
   */
  gpcSignal: gpcSignalSchema.optional(),
  /** Automation tells hidden from the app, so it behaves as it would for a person. */
  stealth: z.array(z.string()).optional(),
  /** IAB TCF: the TC string the CMP's `__tcfapi` reported after each step, decoded. */
  tcf: z
    .array(
      z.object({
        after: z.enum(timelineActions),
        at: z.number(),
        tcString: z.string(),
        /** Purpose ids with consent, and with legitimate interest. */
        purposeConsents: z.array(z.number().int()),
        purposeLegitimateInterests: z.array(z.number().int()),
        /** Vendor ids with consent, and with legitimate interest. */
        vendorConsents: z.array(z.number().int()),
        vendorLegitimateInterests: z.array(z.number().int()),
      }),
    )
    .optional(),
  /**
   * What the device-side instrumentation could record in this session. `apiEvents: false`: no
   * source of API events ran (native platforms today), so an empty events list proves nothing.
   * Absent in older bundles, where the presence of `events.json` said it.
   */
  instrumentation: z.object({ apiEvents: z.boolean(), networkLog: z.boolean() }).optional(),
  /** Planted geolocation, if any. */
  geolocation: z.object({ latitude: z.number(), longitude: z.number(), accuracy: z.number() }).optional(),
});
export type ScenarioRecord = z.infer<typeof scenarioRecordSchema>;

/** Everything one scenario observed: the scenario record plus the journal it points at. */
export interface ScenarioEvidence extends ScenarioRecord {
  flows: FlowRecord[];
  tlsFailures: TlsFailureRecord[];
  /** Sensitive API reads and permission requests (events.json). */
  events?: ApiEvent[];
  /** Request initiators from the browser's network log (initiators.json). */
  initiators?: RequestInitiator[];
  /** Cookies and web storage at the end (storage.json). */
  storage?: StorageSnapshot;
  /** Requests the browser stopped before they reached the proxy (attempted.json). */
  attempted?: AttemptedRequest[];
}

/**
 * What the platform itself sent with no app running (`conformance baseline`): hosts whose
 * flows are tagged `platform` and set aside, listed in the report.
 */
export const baselineSchema = z.object({
  platform: z.enum(platforms),
  recordedAt: z.string(),
  windowMs: z.number().int(),
  browser: z.string().optional(),
  hosts: z.array(z.object({ host: z.string(), flows: z.number().int() })),
});
export type Baseline = z.infer<typeof baselineSchema>;
