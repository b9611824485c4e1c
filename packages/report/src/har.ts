import { splitRecords, type ProxyRecord, type RecordedBody, type WsMessageRecord } from '@conformance/core';

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as written by `toHar`. Fields that
 * are not in the specification start with `_`, as the specification asks.
 */
export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
    comment?: string;
    /** Clients that refused the interception certificate: no HTTP exchange, so no entry. */
    _tlsFailures: { at: string; sni: string | null; host: string | null; error: string | null; client: string | null }[];
  };
}

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    postData?: { mimeType: string; text: string; _encoding?: 'base64'; _file?: string };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string; text?: string; encoding?: 'base64'; _file?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; ssl: number; send: number; wait: number; receive: number };
  connection?: string;
  _conformance: {
    flowId: string;
    answer: 'sinkhole' | 'local' | 'upstream';
    sinkhole: boolean;
    tls: unknown;
    sha256: { request: string; response?: string };
  };
  /** Chrome DevTools' convention for WebSocket messages (time in seconds since the epoch; opcode 1 text, 2 binary). */
  _webSocketMessages?: { type: 'send' | 'receive'; time: number; opcode: 1 | 2; data: string; _encoding?: 'base64' }[];
}

export interface HarOptions {
  creator?: { name: string; version: string };
  /**
   * Bytes of bodies stored in files beside the journal, keyed by their `file` path. A body
   * whose file is not given keeps only its reference (`_file`) and its size.
   */
  bodyFiles?: ReadonlyMap<string, Buffer>;
}

/** Journal records → a HAR 1.2 log: one entry per recorded request, in the order requests started. Pure. */
export function toHar(records: readonly ProxyRecord[], options: HarOptions = {}): Har {
  const { flows, responses, errors, wsMessages, tlsFailures } = splitRecords(records);
  const responseOf = new Map(responses.map((response) => [response.id, response]));
  const errorOf = new Map(errors.map((error) => [error.id, error]));
  const messagesOf = new Map<string, WsMessageRecord[]>();
  for (const message of wsMessages) messagesOf.set(message.id, [...(messagesOf.get(message.id) ?? []), message]);

  const entries = [...flows]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((flow): HarEntry => {
      const response = responseOf.get(flow.id);
      const error = errorOf.get(flow.id);
      const url = new URL(flow.url);
      const send = nonNegative(flow.completedAt - flow.startedAt);
      const wait = response ? nonNegative((response.startedAt ?? response.completedAt) - flow.completedAt) : 0;
      const receive = response ? nonNegative(response.completedAt - (response.startedAt ?? response.completedAt)) : 0;
      const requestBody = bodyText(flow.body, options.bodyFiles);
      const entry: HarEntry = {
        startedDateTime: new Date(flow.startedAt).toISOString(),
        time: send + wait + receive,
        request: {
          method: flow.method,
          url: flow.url,
          httpVersion: flow.httpVersion,
          cookies: requestCookies(flow.headers),
          headers: nameValues(flow.headers),
          queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
          ...(flow.body.size > 0
            ? {
                postData: {
                  mimeType: header(flow.headers, 'content-type') ?? '',
                  ...requestBody,
                },
              }
            : {}),
          headersSize: -1,
          bodySize: flow.body.size,
        },
        response: response
          ? {
              status: response.status,
              statusText: response.reason,
              httpVersion: response.httpVersion,
              cookies: responseCookies(response.headers),
              headers: nameValues(response.headers),
              content: {
                size: response.body.size,
                mimeType: header(response.headers, 'content-type') ?? '',
                ...contentText(response.body, options.bodyFiles),
              },
              redirectURL: header(response.headers, 'location') ?? '',
              headersSize: -1,
              bodySize: response.body.size,
              ...(error ? { _error: error.message } : {}),
            }
          : {
              // No answer was recorded: status 0, the way browsers export a request that got none.
              status: 0,
              statusText: '',
              httpVersion: '',
              cookies: [],
              headers: [],
              content: { size: 0, mimeType: '' },
              redirectURL: '',
              headersSize: -1,
              bodySize: -1,
              ...(error ? { _error: error.message } : {}),
            },
        cache: {},
        timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send, wait, receive },
        ...(flow.client ? { connection: flow.client } : {}),
        _conformance: {
          flowId: flow.id,
          answer: flow.answer,
          sinkhole: response?.sinkhole ?? flow.answer === 'sinkhole',
          tls: flow.tls,
          sha256: { request: flow.body.sha256, ...(response ? { response: response.body.sha256 } : {}) },
        },
      };
      const messages = messagesOf.get(flow.id);
      if (messages) {
        entry._webSocketMessages = [...messages]
          .sort((a, b) => a.seq - b.seq)
          .map((message) => {
            const text = bodyText(message.body, options.bodyFiles);
            return {
              type: message.direction === 'client-to-server' ? 'send' : 'receive',
              time: message.at / 1000,
              opcode: message.opcode === 'text' ? 1 : 2,
              data: text.text,
              ...(text._encoding ? { _encoding: text._encoding } : {}),
            };
          });
      }
      return entry;
    });

  return {
    log: {
      version: '1.2',
      creator: options.creator ?? { name: 'conformance', version: '0' },
      entries,
      _tlsFailures: tlsFailures.map((failure) => ({
        at: new Date(failure.at).toISOString(),
        sni: failure.sni,
        host: failure.host ?? null,
        error: failure.error,
        client: failure.client,
      })),
    },
  };
}

function nonNegative(value: number): number {
  return Math.max(0, Math.round(value * 1000) / 1000);
}

function nameValues(headers: readonly (readonly [string, string])[]): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value }));
}

function header(headers: readonly (readonly [string, string])[], name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

function requestCookies(headers: readonly (readonly [string, string])[]): HarNameValue[] {
  return headers
    .filter(([key]) => key.toLowerCase() === 'cookie')
    .flatMap(([, value]) => value.split(';'))
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? { name: pair, value: '' } : { name: pair.slice(0, at), value: pair.slice(at + 1) };
    });
}

function responseCookies(headers: readonly (readonly [string, string])[]): HarNameValue[] {
  return headers
    .filter(([key]) => key.toLowerCase() === 'set-cookie')
    .map(([, value]) => {
      const pair = value.split(';')[0]!.trim();
      const at = pair.indexOf('=');
      return at < 0 ? { name: pair, value: '' } : { name: pair.slice(0, at), value: pair.slice(at + 1) };
    });
}

/** A body as HAR text: UTF-8 when it decodes, base64 otherwise (flagged), or only its file reference. */
function bodyText(
  body: RecordedBody,
  files: ReadonlyMap<string, Buffer> | undefined,
): { text: string; _encoding?: 'base64'; _file?: string } {
  if (body.encoding === 'utf8') return { text: body.data ?? '' };
  if (body.encoding === 'base64') return { text: body.data ?? '', _encoding: 'base64' };
  const bytes = body.file ? files?.get(body.file) : undefined;
  if (!bytes) return { text: '', _file: body.file! };
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return { text: text.decode(bytes), _file: body.file! };
  } catch {
    return { text: bytes.toString('base64'), _encoding: 'base64', _file: body.file! };
  }
}

function contentText(
  body: RecordedBody,
  files: ReadonlyMap<string, Buffer> | undefined,
): { text?: string; encoding?: 'base64'; _file?: string } {
  if (body.size === 0) return {};
  const { text, _encoding, _file } = bodyText(body, files);
  return { ...(text || !_file ? { text } : {}), ...(_encoding ? { encoding: _encoding } : {}), ...(_file ? { _file } : {}) };
}
