import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Canary, FlowRecord } from '@conformance/core';
import { makeFlow } from '@conformance/testing';
import { createFlowAnalyzer, type FlowContext } from './flow.js';

/**
 * Fuzzing of the payload decoders (content encodings, JSON, forms, multipart, base64 layers,
 * protobuf, LZ-string …) with bodies built to hurt: random bytes, deep nesting, huge strings,
 * invalid UTF-8 and compression bombs. The analysis of a flow must always return, within the
 * limits of DECODE_LIMITS: an exception here would be a crash of the analysis of that flow.
 */
const RUNS = 10_000;
const TIMEOUT = 900_000;
const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const canaries: Canary[] = [{ category: 'contact.email', kind: 'email', value: 'ann.lee@example.com' }];
const analyze = createFlowAnalyzer({ canaries, identifierCandidates: true });

const contentTypes = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'text/plain',
  'application/octet-stream',
  'application/x-protobuf',
];
const encodings = ['', 'gzip', 'deflate', 'br', 'gzip, deflate', 'identity', 'x-unknown'];

function flow(bytes: Buffer, contentType: string, encoding: string, query = ''): FlowRecord {
  const utf8 = bytes.toString('utf8');
  const text = Buffer.from(utf8, 'utf8').equals(bytes);
  return makeFlow(`https://collect.fuzz.test/p${query}`, 10, {
    method: 'POST',
    headers: [['content-type', contentType], ...(encoding ? [['content-encoding', encoding] as [string, string]] : [])],
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: text ? 'utf8' : 'base64',
      data: text ? utf8 : bytes.toString('base64'),
    },
  });
}

/** Analyses the flow; any exception fails the property. */
function analyses(record: FlowRecord): boolean {
  const result = analyze(record, context);
  return Array.isArray(result.findings) && typeof result.protection.class === 'string';
}

const nested = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('[', '{"a":', '{"a":[', '"'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : open === '{"a":[' ? ']}' : '';
    return open.repeat(depth) + '"ann.lee@example.com"' + (closed ? close.repeat(depth) : '');
  });
const huge = fc
  .tuple(fc.integer({ min: 1, max: 128 * 1024 }), fc.constantFrom('a', 'A1', '%2', '=', 'é', '\\u00', 'eyJ', '0'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));
const invalidUtf8 = fc
  .tuple(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(0x80, 0xc0, 0xed, 0xf5, 0xff))
  .map(([bytes, bad]) => Buffer.concat([Buffer.from('{"e":"'), Buffer.from(bytes), Buffer.from([bad, bad]), Buffer.from('"}')]));

// Bombs: a MiB of one byte, compressed a thousandfold, in every encoding and wrapping.
const bombs = (() => {
  const plain = Buffer.alloc(1024 * 1024, 0x41);
  const json = Buffer.from(`{"d":"${'A'.repeat(512 * 1024)}"}`);
  return [
    { bytes: gzipSync(plain), encoding: 'gzip' },
    { bytes: deflateSync(plain), encoding: 'deflate' },
    { bytes: deflateRawSync(plain), encoding: 'deflate' },
    { bytes: brotliCompressSync(json), encoding: 'br' },
    { bytes: gzipSync(gzipSync(plain)), encoding: 'gzip' },
    { bytes: gzipSync(json), encoding: '' },
  ];
})();

describe('fuzzing the payload decoders (10,000 cases each)', { timeout: TIMEOUT }, () => {
  it('random bytes, under any content type and encoding', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom(...contentTypes),
        fc.constantFrom(...encodings),
        (bytes, type, enc) => analyses(flow(Buffer.from(bytes), type, enc)),
      ),
      { numRuns: RUNS },
    );
  });

  it('deep nesting, closed or not', () => {
    fc.assert(
      fc.property(nested, fc.constantFrom(...contentTypes), (text, type) => analyses(flow(Buffer.from(text), type, ''))),
      { numRuns: RUNS },
    );
  });

  it('huge strings, in the body and in the query', () => {
    fc.assert(
      fc.property(huge, fc.boolean(), (text, inQuery) =>
        analyses(
          inQuery
            ? flow(Buffer.from('{}'), 'application/json', '', `?q=${text.slice(0, 64 * 1024)}`)
            : flow(Buffer.from(text), 'application/x-www-form-urlencoded', ''),
        ),
      ),
      { numRuns: RUNS },
    );
  });

  it('invalid UTF-8 inside otherwise readable JSON', () => {
    fc.assert(
      fc.property(invalidUtf8, fc.constantFrom(...contentTypes), (bytes, type) => analyses(flow(bytes, type, ''))),
      { numRuns: RUNS },
    );
  });

  it('gzip, deflate and brotli bombs, cut, prefixed or wrapped in base64', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...bombs),
        fc.nat(64),
        fc.uint8Array({ maxLength: 8 }),
        fc.constantFrom('raw', 'base64-json', 'cut'),
        (bomb, cut, prefix, wrap) => {
          const bytes =
            wrap === 'raw'
              ? Buffer.concat([Buffer.from(prefix), bomb.bytes])
              : wrap === 'cut'
                ? bomb.bytes.subarray(0, Math.max(1, bomb.bytes.length - cut))
                : Buffer.from(JSON.stringify({ payload: bomb.bytes.toString('base64') }));
          return analyses(
            flow(
              bytes,
              wrap === 'base64-json' ? 'application/json' : 'application/octet-stream',
              wrap === 'base64-json' ? '' : bomb.encoding,
            ),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('still finds a planted value next to the hostile part (positive control)', () => {
    const result = analyze(
      flow(Buffer.from('{"user":{"email":"ann.lee@example.com"},"junk":"\\u00ff"}'), 'application/json', ''),
      context,
    );
    expect(result.findings.map((finding) => finding.path)).toContain('body.json.user.email');
  });
});
