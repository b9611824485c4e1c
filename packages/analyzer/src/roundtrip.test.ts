import { constants, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeFlow } from '@conformance/testing';
import { AhoCorasick } from './aho-corasick.js';
import { createFlowAnalyzer, type FlowContext } from './flow.js';
import { rawDeflateRejected } from './protection.js';
import { deflatedLength, inflatesRawBeyond } from './zlib-engine.js';

const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };

/** One encoding layer: how it wraps a text, and the path segment the decoder names it by. */
const layers = {
  base64: { wrap: (t: string) => Buffer.from(t).toString('base64'), segment: '|base64' },
  base64url: { wrap: (t: string) => Buffer.from(t).toString('base64url'), segment: '|base64' },
  hex: { wrap: (t: string) => Buffer.from(t).toString('hex'), segment: '|hex' },
  gzipBase64: { wrap: (t: string) => gzipSync(t).toString('base64'), segment: '|base64|gzip' },
  json: { wrap: (t: string) => JSON.stringify({ v: t }), segment: '|json.v' },
  qs: { wrap: (t: string) => `a=1&v=${encodeURIComponent(t)}`, segment: '|qs.v' },
} as const;
type Layer = keyof typeof layers;

describe('round trips through random encoding chains (fast-check)', () => {
  it('a planted value wrapped in up to 3 random layers inside a query parameter is found at the path of those layers', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{9,19}$/),
        fc.array(fc.constantFrom(...(Object.keys(layers) as Layer[])), { minLength: 1, maxLength: 3 }),
        (value, chain) => {
          let text = value;
          for (const layer of chain) text = layers[layer].wrap(text);
          const expected = `query.d${[...chain]
            .reverse()
            .map((layer) => layers[layer].segment)
            .join('')}`;
          const flow = makeFlow(`https://t.example.org/x?d=${encodeURIComponent(text)}`, 10);
          const analyze = createFlowAnalyzer({ canaries: [{ category: 'device-id.app-scoped', kind: 'storage:uid', value }] });
          const findings = analyze(flow, context).findings.filter((f) => f.detector === 'canary:storage:uid');
          expect(findings.map((f) => f.path)).toEqual([expected]);
        },
      ),
      { seed: 4, numRuns: 300 },
    );
  });

  it('Aho–Corasick finds exactly the occurrences a naive case-insensitive scan finds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-cA-C+%]{1,5}$/), { minLength: 1, maxLength: 8 }),
        fc.stringMatching(/^[a-dA-D+% ]{0,60}$/),
        (patterns, text) => {
          const automaton = new AhoCorasick(patterns);
          const found: string[] = [];
          automaton.search(text, (m) => found.push(`${m.pattern}@${m.start}`));
          const naive: string[] = [];
          patterns.forEach((pattern, index) => {
            for (let i = 0; i + pattern.length <= text.length; i++) {
              if (text.slice(i, i + pattern.length).toLowerCase() === pattern.toLowerCase()) naive.push(`${index}@${i}`);
            }
          });
          expect(found.sort()).toEqual(naive.sort());
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe('raw deflate pre-test (fast-check)', () => {
  it('rejects only what zlib rejects: a rejected sample never inflates, real raw deflate is never rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 600 }), (bytes) => {
        if (!rawDeflateRejected(bytes)) return;
        expect(() => inflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH })).toThrow();
      }),
      { seed: 6, numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ minLength: 16, maxLength: 400 }), fc.integer({ min: 0, max: 9 }), (text, level) => {
        expect(rawDeflateRejected(deflateRawSync(text, { level }))).toBe(false);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('deflated length of a sample (fast-check)', () => {
  it('equals the length of a fresh deflateRawSync at level 1, call after call', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 5000 }),
          fc.string({ maxLength: 3000 }).map((t) => Buffer.from(t)),
        ),
        (bytes) => {
          const buffer = Buffer.from(bytes);
          expect(deflatedLength(buffer)).toBe(deflateRawSync(buffer, { level: 1 }).length);
        },
      ),
      { seed: 8, numRuns: 1000 },
    );
  });
});

describe('raw inflate through the reused engine (fast-check)', () => {
  const plain = (bytes: Uint8Array, minimum: number, max: number) => {
    try {
      return inflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: max }).length > minimum;
    } catch {
      return false;
    }
  };
  it('agrees with inflateRawSync on random bytes, real streams, cut streams and streams beyond the output limit', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.string({ maxLength: 2000 }).map((t) => deflateRawSync(t, { level: 6 })),
      fc.tuple(fc.string({ minLength: 50, maxLength: 2000 }), fc.nat()).map(([t, cut]) => {
        const stream = deflateRawSync(t);
        return stream.subarray(0, 1 + (cut % stream.length));
      }),
      fc.integer({ min: 1000, max: 200_000 }).map((n) => deflateRawSync(Buffer.alloc(n, 97))),
    );
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 5000 }), (bytes, minimum) => {
        expect(inflatesRawBeyond(bytes, minimum, 65536)).toBe(plain(bytes, minimum, 65536));
      }),
      { seed: 9, numRuns: 3000 },
    );
  });
});
