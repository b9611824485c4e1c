import { inert } from '@conformance/core';

/**
 * What the Allure results show of one flow an item cites: the personal data the analysis
 * found in it and the flow as a HAR entry. The runner gathers it (it has the analysis and the
 * journal); this package decides what of it is written, under `--redact` and `--keep-raw`.
 */
export interface FlowEvidence {
  scenario: string;
  flowId: string;
  method: string;
  url: string;
  /** Milliseconds since the epoch when the request started (to pick the screenshot of that moment). */
  startedAt: number;
  phase: string;
  destination: string;
  transport: 'http' | 'https';
  /** The payload's protection class and what it was measured on (`cleartext`, `json`, 312 bytes). */
  protection: { class: string; structure: string; size: number; layers: string[] };
  findings: FlowFinding[];
  /** The flow as one HAR 1.2 entry with its bodies as recorded; absent for requests that never reached the proxy. */
  har?: HarEntryLike;
}

export interface FlowFinding {
  category: string;
  role: string;
  detector: string;
  /** Where in the flow: `body.json.uid`, `query.d|base64|json.lat`. */
  path: string;
  transforms: string[];
  /** The value as the report shows it (redacted for display). */
  shown: string;
  /** The decoded text at `path`, as the app sent it; absent when the analysis could not place it. */
  raw?: string;
}

interface NameValue {
  name: string;
  value: string;
}

/** The parts of a HAR 1.2 entry this package reads or rewrites; the rest is copied as it is. */
export interface HarEntryLike {
  request: {
    method: string;
    url: string;
    headers: NameValue[];
    queryString: NameValue[];
    cookies?: NameValue[];
    postData?: { mimeType: string; text: string };
    /** The request body's length in bytes as recorded (HAR's bodySize). */
    bodySize?: number;
  };
  response: {
    headers: NameValue[];
    cookies?: NameValue[];
    content: { size: number; mimeType: string; text?: string };
  };
  _webSocketMessages?: { data: string }[];
}

export interface EvidencePolicy {
  /** Mask every personal-data value a finding points at (see `maskOf`). */
  redact: boolean;
  /** Keep the bodies as recorded; without it attachments hold the findings' excerpts only. */
  keepRaw: boolean;
}

/** Most characters of a body kept in an attachment with `--keep-raw`. */
export const RAW_BODY_MAX = 64 * 1024;
/** Most characters of one found value shown in an excerpt. */
const VALUE_MAX = 200;

/** What replaces a personal-data value under `--redact`. */
export const maskOf = (category: string) => `[redacted ${category}]`;

/** The marks around a personal-data value in an excerpt. */
export const HIGHLIGHT = ['⟦', '⟧'] as const;

const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;

/**
 * The readable excerpt of a flow: request line, when and to whom, how the payload was
 * protected, then each personal-data value found, at its place, between ⟦ ⟧. With `redact`
 * each value is replaced by `[redacted <category>]`; with `keepRaw` the request body follows
 * as recorded (redacted values masked in it too).
 */
export function flowExcerpt(flow: FlowEvidence, policy: EvidencePolicy): string {
  const lines = [
    `${flow.method} ${redactUrl(flow, policy)}`,
    `scenario ${flow.scenario}, flow ${flow.flowId}, ${flow.phase}, ${flow.destination}, over ${flow.transport}`,
    `payload: ${flow.protection.class} (${[...flow.protection.layers, flow.protection.structure].join(' → ')}), ${flow.protection.size} bytes`,
    '',
    flow.findings.length ? `personal data found (${flow.findings.length}):` : 'no personal data found in this flow',
  ];
  for (const finding of flow.findings) {
    const via = [finding.detector, ...finding.transforms].join(', ');
    lines.push(`  ${finding.category} (${finding.role}) at ${finding.path} [${via}]`);
    const value = policy.redact ? maskOf(finding.category) : cut(finding.raw ?? finding.shown, VALUE_MAX);
    lines.push(`    ${HIGHLIGHT[0]}${value}${HIGHLIGHT[1]}`);
  }
  if (policy.keepRaw && flow.har?.request.postData) {
    const body = redactBody(flow.har.request.postData.text, flow, policy);
    lines.push('', 'request body as recorded (--keep-raw):', cut(body, RAW_BODY_MAX));
  }
  return `${inert(lines.join('\n'))}\n`;
}

/**
 * The HAR entries of the cited flows. Without `keepRaw` every body (request, response,
 * WebSocket messages) is left out, with its size kept and a note; with `redact`, query
 * parameters, headers and cookies that carried personal data are masked whole, and every
 * other occurrence of a found value (as sent, or URL-encoded) is masked where it appears. A
 * kept body whose personal data was found under an encoding layer (`|base64`, `|gzip`) cannot
 * be masked in place and is left out.
 */
export function harSlice(flows: readonly FlowEvidence[], creator: { name: string; version: string }, policy: EvidencePolicy) {
  const entries = flows.flatMap((flow) => (flow.har ? [sliceEntry(flow, flow.har, policy)] : []));
  return { log: { version: '1.2', creator, entries } };
}

const leftOut = (size: number) => `[left out: ${size} bytes; --keep-raw keeps bodies]`;

function sliceEntry(flow: FlowEvidence, entry: HarEntryLike, policy: EvidencePolicy): HarEntryLike {
  const copy = structuredClone(entry);
  const request = copy.request;
  if (request.postData) {
    // The recorded length: without --keep-raw, a body stored in a file is not even read.
    if (!policy.keepRaw)
      request.postData = { mimeType: request.postData.mimeType, text: leftOut(request.bodySize ?? request.postData.text.length) };
    else if (policy.redact)
      request.postData = { mimeType: request.postData.mimeType, text: redactBody(request.postData.text, flow, policy) };
  }
  if (!policy.keepRaw) {
    const content = copy.response.content;
    if (content.text !== undefined)
      copy.response.content = { size: content.size, mimeType: content.mimeType, text: leftOut(content.size) };
    if (copy._webSocketMessages)
      copy._webSocketMessages = copy._webSocketMessages.map((m) => ({ ...m, data: leftOut(m.data.length) }));
  }
  if (policy.redact) {
    const masked = (prefix: string) =>
      new Map(flow.findings.filter((f) => f.path.startsWith(`${prefix}.`)).map((f) => [firstName(f.path, prefix), f.category]));
    const query = masked('query');
    const headers = masked('header');
    const cookies = masked('cookie');
    request.url = redactUrl(flow, policy);
    request.queryString = request.queryString.map((q) =>
      query.has(q.name)
        ? { name: q.name, value: maskOf(query.get(q.name)!) }
        : { name: q.name, value: redactText(q.value, flow, policy) },
    );
    request.headers = request.headers.map((h) => {
      const lower = h.name.toLowerCase();
      if (headers.has(lower)) return { name: h.name, value: maskOf(headers.get(lower)!) };
      if (lower === 'cookie' && cookies.size) {
        return {
          name: h.name,
          value: h.value
            .split(/;\s*/)
            .map((pair) => {
              const name = pair.slice(0, Math.max(0, pair.indexOf('=')));
              return cookies.has(name) ? `${name}=${maskOf(cookies.get(name)!)}` : pair;
            })
            .join('; '),
        };
      }
      return { name: h.name, value: redactText(h.value, flow, policy) };
    });
    if (request.cookies) {
      request.cookies = request.cookies.map((c) =>
        cookies.has(c.name) ? { name: c.name, value: maskOf(cookies.get(c.name)!) } : c,
      );
    }
  }
  return copy;
}

/** `query.uid` → `uid`, `query.d|base64|json.lat` → `d`, `header.x-id` → `x-id`. */
function firstName(path: string, prefix: string): string {
  const rest = path.slice(prefix.length + 1);
  const end = rest.search(/[|.[]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The URL with the query parameters that carried personal data masked whole (under `redact`). */
function redactUrl(flow: FlowEvidence, policy: EvidencePolicy): string {
  if (!policy.redact) return flow.url;
  const query = new Map(
    flow.findings.filter((f) => f.path.startsWith('query.')).map((f) => [firstName(f.path, 'query'), f.category]),
  );
  const mark = flow.url.indexOf('?');
  const base = mark < 0 ? flow.url : flow.url.slice(0, mark);
  const search =
    mark < 0
      ? ''
      : `?${flow.url
          .slice(mark + 1)
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            const name = eq < 0 ? pair : pair.slice(0, eq);
            let decoded = name;
            try {
              decoded = decodeURIComponent(name.replace(/\+/g, ' '));
            } catch {
              // a name that does not decode is compared as it is
            }
            const category = query.get(decoded) ?? query.get(name);
            return category ? `${name}=${encodeURIComponent(maskOf(category))}` : pair;
          })
          .join('&')}`;
  return redactText(`${base}${search}`, flow, policy);
}

/** The forms a decoded value can take in the text that carried it: as it is, URL-encoded, inside a JSON string. */
const formsOf = (raw: string) => new Set([raw, encodeURIComponent(raw), JSON.stringify(raw).slice(1, -1)]);

/** Every occurrence of a found value (in any of its forms) masked, under `redact`. */
function redactText(text: string, flow: FlowEvidence, policy: EvidencePolicy): string {
  if (!policy.redact) return text;
  let out = text;
  const values = flow.findings
    .filter((f) => f.raw !== undefined && f.raw.length >= 3)
    .sort((a, b) => b.raw!.length - a.raw!.length);
  for (const finding of values) {
    const mask = maskOf(finding.category);
    for (const form of formsOf(finding.raw!)) out = out.split(form).join(mask);
  }
  return out;
}

/**
 * A kept body under `redact`: every found value masked; a body in which a value the analysis
 * found there cannot be located (it travelled under an encoding layer such as base64 or gzip,
 * or the analysis could not place it) is left out whole.
 */
function redactBody(text: string, flow: FlowEvidence, policy: EvidencePolicy): string {
  if (!policy.redact) return text;
  const inBody = flow.findings.filter((f) => f.path.startsWith('body'));
  const located = inBody.every(
    (f) =>
      f.raw !== undefined &&
      f.raw.length >= 3 &&
      !f.path.includes('|') &&
      [...formsOf(f.raw)].some((form) => text.includes(form)),
  );
  return located
    ? redactText(text, flow, policy)
    : `[left out: it carried personal data that cannot be masked in place; --redact]`;
}
