import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import type { Canary, FlowRecord } from '@conformance/core';
import { makeFlow } from '@conformance/testing';
import { decodeFlow } from './decode.js';
import { createFlowAnalyzer, type FlowContext } from './flow.js';

/** Bodies the way analytics SDKs send them, and the decoder's limits. */
const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const canaries: Canary[] = [
  { category: 'contact.email', kind: 'email', value: 'li.na@example.cn' },
  { category: 'device-id.app-scoped', kind: 'localStorage:ph_posthog.$device_id', value: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f' },
];
const analyze = createFlowAnalyzer({ canaries });
const event = JSON.stringify([
  {
    event: '$pageview',
    properties: {
      $device_id: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f',
      email: 'li.na@example.cn',
      $current_url: 'https://news.example.test/',
    },
  },
]);

function post(url: string, body: Buffer | string, headers: Array<[string, string]> = []): FlowRecord {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return makeFlow(url, 10, {
    method: 'POST',
    headers,
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: 'base64',
      data: bytes.toString('base64'),
    },
  });
}

const found = (flow: FlowRecord) =>
  analyze(flow, context)
    .findings.map((finding) => [finding.path, finding.category])
    .sort();

describe('bodies as SDKs send them', () => {
  it('gzip marked only by ?compression=gzip-js, and gzip marked by nothing (sniffed), both text/plain', () => {
    const gz = gzipSync(event);
    for (const url of ['https://eu.i.posthog.test/e/?compression=gzip-js&ver=1.130.2', 'https://eu.i.posthog.test/e/']) {
      const flow = post(url, gz, [['content-type', 'text/plain']]);
      expect(found(flow)).toEqual([
        ['body|gzip.json[0].properties.$device_id', 'device-id.app-scoped'],
        ['body|gzip.json[0].properties.email', 'contact.email'],
      ]);
    }
  });

  it('raw deflate marked by ?compression=deflate is inflated', () => {
    const flow = post('https://c.vendor.test/batch?compression=deflate', deflateRawSync(event));
    const { protection } = analyze(flow, context);
    expect(protection.layers).toEqual(['deflate']);
    expect(found(flow)).toContainEqual(['body.json[0].properties.email', 'contact.email']);
  });

  it('a base64 body marked ?compression=base64, and a data= form field of base64 JSON, are encoded', () => {
    const b64 = Buffer.from(event).toString('base64');
    const marked = post('https://eu.i.posthog.test/e/?compression=base64', b64, [['content-type', 'text/plain']]);
    expect(analyze(marked, context).protection.class).toBe('encoded');
    expect(found(marked)).toContainEqual(['body|base64.json[0].properties.email', 'contact.email']);
    const form = post('https://eu.i.posthog.test/e/', `data=${encodeURIComponent(b64)}&ver=1.2`, [
      ['content-type', 'application/x-www-form-urlencoded'],
    ]);
    const result = analyze(form, context);
    expect(result.protection.class).toBe('encoded');
    expect(result.protection.reasons.join('\n')).toMatch(/the payload is field form\.data, under base64/);
    expect(found(form)).toContainEqual(['body.form.data|base64|json[0].properties.email', 'contact.email']);
  });

  it('personal data readable beside an encoded payload field makes the flow cleartext for that leaf', () => {
    const b64 = Buffer.from(event).toString('base64');
    const form = post('https://eu.i.posthog.test/e/', `data=${encodeURIComponent(b64)}&mail=li.na%40example.cn`, [
      ['content-type', 'application/x-www-form-urlencoded'],
    ]);
    const { protection } = analyze(form, context);
    expect(protection.class).toBe('cleartext');
    expect(protection.reasons.join('\n')).toMatch(/readable personal data in body\.form\.mail, beside the encoded field/);
  });

  it('LZ-string payloads (compressToBase64 in a form field, compressToEncodedURIComponent as the body) are decompressed', () => {
    const form = post(
      'https://eu.i.posthog.test/e/',
      `data=${encodeURIComponent(LZString.compressToBase64(event))}&compression=lz64`,
      [['content-type', 'application/x-www-form-urlencoded']],
    );
    expect(found(form)).toContainEqual(['body.form.data|lz-string|json[0].properties.email', 'contact.email']);
    expect(analyze(form, context).protection.class).toBe('encoded');
    const body = post('https://c.vendor.test/i?compression=lz-string', LZString.compressToEncodedURIComponent(event));
    expect(found(body)).toContainEqual(['body|lz-string.json[0].properties.email', 'contact.email']);
  });

  it('a sendBeacon Blob (no content type) and multipart parts holding gzip and JSON are read', () => {
    const beacon = post('https://c.vendor.test/beacon', event);
    expect(found(beacon)).toContainEqual(['body.json[0].properties.email', 'contact.email']);
    const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="event"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      gzipSync(event),
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{"lib":"web","mail":"li.na@example.cn"}\r\n--${boundary}--\r\n`,
      ),
    ]);
    const flow = post('https://c.vendor.test/upload', multipart, [['content-type', `multipart/form-data; boundary=${boundary}`]]);
    expect(found(flow)).toEqual([
      ['body.multipart.event|gzip|json[0].properties.$device_id', 'device-id.app-scoped'],
      ['body.multipart.event|gzip|json[0].properties.email', 'contact.email'],
      ['body.multipart.meta|json.mail', 'contact.email'],
    ]);
  });

  it('newline-delimited JSON (an event batch, an error-report envelope) is read record by record', () => {
    const batch = [
      JSON.stringify({ type: 'view', usr: { id: 'li.na@example.cn' }, view: { url: 'https://news.example.test/' } }),
      JSON.stringify({ type: 'action', session: { id: 'b1' }, device: { $device_id: '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f' } }),
    ].join('\n');
    const flow = post('https://browser-intake.datadog.test/api/v2/rum', batch, [['content-type', 'text/plain;charset=UTF-8']]);
    const result = analyze(flow, context);
    expect(result.protection).toMatchObject({ structure: 'json', class: 'cleartext' });
    expect(found(flow)).toEqual([
      ['body.ndjson[0].usr.id', 'contact.email'],
      ['body.ndjson[1].device.$device_id', 'device-id.app-scoped'],
    ]);
    // The e-mail address is the user's id in that SDK's field: an identifier, not a typed-in contact detail.
    expect(result.findings.find((finding) => finding.path === 'body.ndjson[0].usr.id')?.role).toBe('identifier');
    const envelope = [
      JSON.stringify({ event_id: '9ec79c33ec9942ab8353589fcb2e04dc', sent_at: '2026-01-01T10:00:00.000Z' }),
      JSON.stringify({ type: 'session' }),
      JSON.stringify({ sid: 'a1', did: 'li.na@example.cn', status: 'ok' }),
    ].join('\n');
    const sentry = analyze(post('https://o1.ingest.sentry.test/api/1/envelope/', envelope), context);
    expect(sentry.findings.map((finding) => [finding.path, finding.role])).toEqual([['body.ndjson[2].did', 'identifier']]);
  });

  it('negative control: lines that are not all JSON stay text, and a typed-in address under an ordinary key is personal data', () => {
    const log = post('https://c.vendor.test/log', '{"a":1}\nplain words here\n{"b":2}');
    expect(analyze(log, context).protection.structure).toBe('text');
    const form = analyze(post('https://c.vendor.test/f', JSON.stringify({ contact: 'li.na@example.cn' })), context);
    expect(form.findings.map((finding) => finding.role)).toEqual(['personal-data']);
  });

  it('protobuf written by @bufbuild/protobuf is read field by field, nested messages included', () => {
    const writer = new BinaryWriter();
    writer.tag(1, 0).uint64(1717171717171n);
    writer.tag(2, 2).string('web');
    writer.tag(3, 2).fork().tag(1, 2).string('li.na@example.cn').tag(2, 5).fixed32(7).join();
    const flow = post('https://c.vendor.test/pb', Buffer.from(writer.finish()), [['content-type', 'application/x-protobuf']]);
    const { protection, findings } = analyze(flow, context);
    expect(protection).toMatchObject({ structure: 'protobuf', class: 'encoded' });
    expect(findings.map((finding) => finding.path)).toEqual(['body.protobuf.3.1']);
  });
});

describe('decoder limits', () => {
  it('a gzip bomb stops at the size limit without decoding', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const before = process.memoryUsage().heapUsed;
    const decoded = decodeFlow(post('https://c.vendor.test/b', bomb, [['content-encoding', 'gzip']]));
    expect(decoded.body.notes).toContain('content-encoding gzip did not decode');
    const sniffed = decodeFlow(post('https://c.vendor.test/b', bomb));
    expect(sniffed.body.layers).toEqual([]);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(48 * 1024 * 1024);
  }, 60_000);

  it('many gzip fields in one flow stop at the per-flow budget', () => {
    const field = gzipSync(Buffer.from(JSON.stringify({ pad: 'x '.repeat(3 * 1024 * 1024) }))).toString('base64');
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, field])));
    const decoded = decodeFlow(post('https://c.vendor.test/b', body));
    const inflated = decoded.leaves.filter((leaf) => leaf.path.endsWith('|gzip|json.pad')).length;
    expect(inflated).toBeGreaterThan(0);
    expect(inflated).toBeLessThanOrEqual(5);
  }, 60_000);

  it('deep nesting and huge strings neither throw nor blow the stack', () => {
    const deepArray = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(() => decodeFlow(post('https://c.vendor.test/d', deepArray))).not.toThrow();
    const nested = `${'{"a":'.repeat(5_000)}"li.na@example.cn"${'}'.repeat(5_000)}`;
    const deepObject = decodeFlow(post('https://c.vendor.test/d', nested));
    expect(deepObject.leaves.length).toBe(0);
    const huge = decodeFlow(
      post('https://c.vendor.test/h', JSON.stringify({ s: randomBytes(9 * 1024 * 1024).toString('base64') })),
    );
    expect(huge.leaves).toHaveLength(1);
    expect(huge.binaries).toEqual([]);
  }, 60_000);
});
