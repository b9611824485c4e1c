import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCodes, type ProxyRecord, type RecordedBody } from '@conformance/core';
import { readCaptureAsHar, readHarEntries } from './har-file.js';
import { toHar } from './har.js';

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): every field the specification marks
// required, with its type; optional ones are checked when present. Custom fields start with "_".
const nameValue = z.object({ name: z.string(), value: z.string(), comment: z.string().optional() });
const cookie = z.object({
  name: z.string(),
  value: z.string(),
  path: z.string().optional(),
  domain: z.string().optional(),
  expires: z.string().optional(),
  httpOnly: z.boolean().optional(),
  secure: z.boolean().optional(),
});
const isoDate = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
const timing = z.number().min(-1);
const harSchema = z.object({
  log: z.object({
    version: z.literal('1.2'),
    creator: z.object({ name: z.string(), version: z.string() }),
    browser: z.object({ name: z.string(), version: z.string() }).optional(),
    pages: z
      .array(z.object({ startedDateTime: isoDate, id: z.string(), title: z.string(), pageTimings: z.object({}) }))
      .optional(),
    entries: z.array(
      z
        .object({
          pageref: z.string().optional(),
          startedDateTime: isoDate,
          time: z.number().min(0),
          request: z.object({
            method: z.string().min(1),
            url: z.string().url(),
            httpVersion: z.string(),
            cookies: z.array(cookie),
            headers: z.array(nameValue),
            queryString: z.array(nameValue),
            postData: z
              .object({
                mimeType: z.string(),
                params: z.array(z.object({ name: z.string() })).optional(),
                text: z.string().optional(),
              })
              .refine((data) => !(data.params && data.text !== undefined), 'postData: text and params are mutually exclusive')
              .optional(),
            headersSize: z.number().int().min(-1),
            bodySize: z.number().int().min(-1),
          }),
          response: z.object({
            status: z.number().int(),
            statusText: z.string(),
            httpVersion: z.string(),
            cookies: z.array(cookie),
            headers: z.array(nameValue),
            content: z.object({
              size: z.number().int().min(0),
              compression: z.number().optional(),
              mimeType: z.string(),
              text: z.string().optional(),
              encoding: z.string().optional(),
            }),
            redirectURL: z.string(),
            headersSize: z.number().int().min(-1),
            bodySize: z.number().int().min(-1),
          }),
          cache: z.object({
            beforeRequest: z.object({}).nullable().optional(),
            afterRequest: z.object({}).nullable().optional(),
          }),
          timings: z.object({
            blocked: timing.optional(),
            dns: timing.optional(),
            connect: timing.optional(),
            send: z.number().min(0),
            wait: z.number().min(0),
            receive: z.number().min(0),
            ssl: timing.optional(),
          }),
          serverIPAddress: z.string().optional(),
          connection: z.string().optional(),
        })
        .refine(
          (entry) =>
            Math.abs(entry.time - Object.values(entry.timings).reduce((sum, value) => sum + (value === -1 ? 0 : value), 0)) <
            0.01,
          'time is the sum of the timings that are not -1',
        ),
    ),
  }),
});

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const inline = (text: string): RecordedBody => ({
  size: Buffer.byteLength(text),
  sha256: sha(text),
  encoding: 'utf8',
  data: text,
});
const t0 = Date.UTC(2026, 0, 2, 3, 4, 5);

function flow(id: string, url: string, extra: Partial<Extract<ProxyRecord, { type: 'flow' }>> = {}): ProxyRecord {
  const target = new URL(url);
  return {
    type: 'flow',
    v: 1,
    id,
    startedAt: t0,
    completedAt: t0 + 4,
    client: '127.0.0.1:50000',
    method: 'POST',
    scheme: target.protocol === 'https:' ? 'https' : 'http',
    host: target.hostname,
    port: 443,
    path: `${target.pathname}${target.search}`,
    url,
    httpVersion: 'HTTP/1.1',
    headers: [
      ['host', target.hostname],
      ['content-type', 'application/json'],
      ['cookie', 'uid=42; session=abc'],
    ],
    body: inline('{"imei":"490154203237518"}'),
    tls: { sni: target.hostname, version: 'TLSv1.3', accepted: true },
    answer: 'sinkhole',
    ...extra,
  };
}

const big = Buffer.alloc(70_000, 0xff);
const records: ProxyRecord[] = [
  { type: 'ready', v: 1, at: t0 - 10 },
  flow('a', 'https://collect.vendor.test/v1/batch?x=1&y=two'),
  {
    type: 'response',
    v: 1,
    id: 'a',
    startedAt: t0 + 5,
    completedAt: t0 + 6,
    status: 204,
    reason: 'No Content',
    httpVersion: 'HTTP/1.1',
    headers: [['set-cookie', 'tracker=1; Path=/']],
    body: inline(''),
    answer: 'sinkhole',
    sinkhole: true,
    streamed: false,
  },
  flow('b', 'http://gone.vendor.test/p', {
    startedAt: t0 + 1,
    answer: 'upstream',
    tls: null,
    body: { size: big.length, sha256: sha(big), encoding: 'file', file: `bodies/${sha(big)}` },
  }),
  { type: 'error', v: 1, id: 'b', at: t0 + 20, message: 'Connection refused', stage: 'request' },
  flow('c', 'https://chat.example.test/socket', { startedAt: t0 + 2, method: 'GET', body: inline(''), answer: 'local' }),
  {
    type: 'ws-message',
    v: 1,
    id: 'c',
    seq: 1,
    at: t0 + 9,
    direction: 'server-to-client',
    opcode: 'binary',
    body: { size: 2, sha256: sha(Buffer.from([0, 255])), encoding: 'base64', data: 'AP8=' },
  },
  { type: 'ws-message', v: 1, id: 'c', seq: 0, at: t0 + 8, direction: 'client-to-server', opcode: 'text', body: inline('hello') },
  {
    type: 'tls-failed',
    v: 1,
    id: 't',
    at: t0 + 3,
    client: '127.0.0.1:50001',
    sni: 'pinned.vendor.test',
    error: 'unknown ca',
    host: 'pinned.vendor.test',
  },
];

describe('toHar', () => {
  it('turns a journal into a valid HAR 1.2 log, one entry per request in start order', () => {
    const har = toHar(records, { creator: { name: 'conformance', version: '1.0.0' } });
    expect(harSchema.safeParse(har).error?.issues).toBeUndefined();
    expect(har.log.entries.map((entry) => entry._conformance.flowId)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the request, the sinkhole answer and the timings of a flow', () => {
    const [a] = toHar(records).log.entries;
    expect(a!.request).toMatchObject({
      method: 'POST',
      url: 'https://collect.vendor.test/v1/batch?x=1&y=two',
      queryString: [
        { name: 'x', value: '1' },
        { name: 'y', value: 'two' },
      ],
      cookies: [
        { name: 'uid', value: '42' },
        { name: 'session', value: 'abc' },
      ],
      postData: { mimeType: 'application/json', text: '{"imei":"490154203237518"}' },
      bodySize: 26,
    });
    expect(a!.response).toMatchObject({ status: 204, statusText: 'No Content', cookies: [{ name: 'tracker', value: '1' }] });
    expect(a!.timings).toMatchObject({ send: 4, wait: 1, receive: 1 });
    expect(a!.time).toBe(6);
    expect(a!._conformance).toMatchObject({ sinkhole: true, answer: 'sinkhole', tls: { accepted: true } });
  });

  it('exports a request that got no answer with status 0 and the error', () => {
    const b = toHar(records).log.entries[1]!;
    expect(b.response).toMatchObject({ status: 0, bodySize: -1, _error: 'Connection refused' });
    expect(b.request.postData).toMatchObject({ text: '', _file: `bodies/${sha(big)}` });
  });

  it('inlines a body stored in a file when its bytes are given, as base64 when not UTF-8', () => {
    const har = toHar(records, { bodyFiles: new Map([[`bodies/${sha(big)}`, big]]) });
    const postData = har.log.entries[1]!.request.postData!;
    expect(Buffer.from(postData.text, 'base64').equals(big)).toBe(true);
    expect(postData._encoding).toBe('base64');
  });

  it('lists WebSocket messages in order, and refused handshakes beside the entries', () => {
    const har = toHar(records);
    expect(har.log.entries[2]!._webSocketMessages).toEqual([
      { type: 'send', time: (t0 + 8) / 1000, opcode: 1, data: 'hello' },
      { type: 'receive', time: (t0 + 9) / 1000, opcode: 2, data: 'AP8=', _encoding: 'base64' },
    ]);
    expect(har.log._tlsFailures).toEqual([expect.objectContaining({ sni: 'pinned.vendor.test', error: 'unknown ca' })]);
  });

  it('the schema used above rejects an entry without its response (it can fail)', () => {
    const har = toHar(records);
    const broken = { log: { ...har.log, entries: [{ ...har.log.entries[0]!, response: undefined }] } };
    expect(harSchema.safeParse(broken).success).toBe(false);
  });
});

describe('readCaptureAsHar', () => {
  async function scenario(withBodyFile: boolean) {
    const dir = await mkdtemp(join(tmpdir(), 'har-'));
    await writeFile(join(dir, 'flows.jsonl'), records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    if (withBodyFile) {
      await mkdir(join(dir, 'bodies'));
      await writeFile(join(dir, 'bodies', sha(big)), big);
    }
    return dir;
  }

  it('reads a scenario folder with its body files, or the journal file itself', async () => {
    const dir = await scenario(true);
    const fromDir = await readCaptureAsHar(dir, { name: 'conformance', version: '9' });
    expect(fromDir.log.creator.version).toBe('9');
    expect(Buffer.from(fromDir.log.entries[1]!.request.postData!.text, 'base64').equals(big)).toBe(true);
    expect(await readCaptureAsHar(join(dir, 'flows.jsonl'))).toEqual({
      ...fromDir,
      log: { ...fromDir.log, creator: { name: 'conformance', version: '0' } },
    });
  });

  it('fails with CONF_BUNDLE_INVALID when a body file is missing', async () => {
    await expect(readCaptureAsHar(await scenario(false))).rejects.toMatchObject({ code: ErrorCodes.BUNDLE_INVALID });
  });

  it('fails with CONF_USAGE and a hint when given a folder without a journal', async () => {
    await expect(readCaptureAsHar(await mkdtemp(join(tmpdir(), 'har-')))).rejects.toMatchObject({
      code: ErrorCodes.USAGE,
      hint: expect.stringContaining('scenario folder'),
    });
  });
});

describe('readHarEntries', () => {
  it('gives the entries of the flows asked for, as readCaptureAsHar does, reading body files only when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'har-cited-'));
    await writeFile(join(dir, 'flows.jsonl'), records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    await mkdir(join(dir, 'bodies'));
    await writeFile(join(dir, 'bodies', sha(big)), big);
    const whole = (await readCaptureAsHar(dir)).log.entries;
    const second = whole[1]!._conformance.flowId;
    expect(await readHarEntries(dir, new Set([second]))).toEqual([whole[1]]);
    expect(await readHarEntries(dir, new Set(whole.map((entry) => entry._conformance.flowId)))).toEqual(whole);
    expect(await readHarEntries(dir, new Set(['no-such-flow']))).toEqual([]);
    // Without bodies, the body file is named, never read: its bytes may even be gone.
    await rm(join(dir, 'bodies'), { recursive: true });
    const [bare] = await readHarEntries(dir, new Set([second]), { bodies: false });
    expect(bare!.request.postData).toMatchObject({ text: '', _file: expect.stringContaining(sha(big)) });
    expect(bare!.request.bodySize).toBe(big.length);
  });

  it('leaves out a last line cut short, and names a bad line that is not the last', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'har-cut-'));
    const lines = records.map((record) => JSON.stringify(record));
    await writeFile(join(dir, 'flows.jsonl'), `${lines.join('\n')}\n{"type":"flow","v":1,"id":"cu`);
    const ids = new Set(records.flatMap((record) => ('id' in record ? [record.id] : [])));
    expect((await readHarEntries(dir, ids, { bodies: false })).length).toBeGreaterThan(0);
    await writeFile(join(dir, 'flows.jsonl'), `{"type":"nonsense"}\n${lines.join('\n')}\n`);
    await expect(readHarEntries(dir, ids, { bodies: false })).rejects.toMatchObject({
      code: ErrorCodes.BUNDLE_INVALID,
      message: expect.stringContaining('flows.jsonl:1'),
    });
  });
});
