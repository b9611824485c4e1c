import { constants, deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeFlow } from '@conformance/testing';
import { AhoCorasick } from './aho-corasick.js';
import { base64Encoding, base64EncodingOfBytes, decodeToScratch } from './decode.js';
import { isReadable, printableRatioCounting } from './readable.js';
import { hasDigitRun17, hasSeparatedHexPairs } from './detectors.js';
import { createFlowAnalyzer, layersOf, type FlowContext } from './flow.js';
import { entropy, rawDeflateRejected } from './protection.js';
import { entropyOfCounts } from './entropy.js';
import { deflatedLength, inflatesRawBeyond, inflateWith } from './zlib-engine.js';

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

describe('quick pattern pre-tests (fast-check)', () => {
  it('agree with the regular expressions they stand for', () => {
    const text = fc.oneof(
      fc.stringMatching(/^[0-9a-fA-Fg:\- .]{0,80}$/),
      fc.stringMatching(/^[0-9x]{0,60}$/),
      fc.stringMatching(/^[0-9]{0,20}(?:[x:-][0-9]{12,20}){0,4}$/),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(hasDigitRun17(t)).toBe(/\d{17}/.test(t));
        expect(hasSeparatedHexPairs(t)).toBe(/[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]/.test(t));
      }),
      { seed: 15, numRuns: 5000 },
    );
  });

  it('name the layers of a path as the regular expression did', () => {
    const path = fc.oneof(fc.stringMatching(/^(?:[a-z0-9|.[\]-]|base64|json|url){0,40}$/), fc.string({ maxLength: 40 }));
    fc.assert(
      fc.property(path, (p) => {
        expect(layersOf(p)).toEqual([...p.matchAll(/\|([a-z0-9-]+)/g)].map((match) => match[1]));
      }),
      { seed: 16, numRuns: 5000 },
    );
  });

  it('name a base64 or base64url text as the regular expression and the alphabet test did', () => {
    const text = fc.oneof(
      fc.stringMatching(/^[0-9aZ+/_=-]{0,12}$/),
      fc.stringMatching(/^[0-9]{1,8}={0,3}$/),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary-ascii', maxLength: 20 }),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9+/]{1,30}$/), fc.constantFrom('', '=', '==', '===', '=\u00e9', '\u00e9', '\u0080='))
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const expected =
          /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/.test(t) && !/^\d+$/.test(t)
            ? t.includes('-') || t.includes('_')
              ? 'base64url'
              : 'base64'
            : undefined;
        expect(base64Encoding(t)).toBe(expected);
        // The same answer from the bytes of a text whose characters are single bytes.
        if (Buffer.from(t, 'latin1').toString('latin1') === t)
          expect(base64EncodingOfBytes(Buffer.from(t, 'latin1'))).toBe(expected);
      }),
      { seed: 16, numRuns: 5000 },
    );
  });

  it('decode base64 and base64url text into scratch space to the bytes Buffer.from gives', () => {
    const text = fc.oneof(
      fc.uint8Array({ maxLength: 192 }).map((b) => Buffer.from(b).toString('base64')),
      fc.uint8Array({ maxLength: 192 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.stringMatching(/^[A-Za-z0-9+/]{1,250}={0,2}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,256}$/),
    );
    fc.assert(
      fc.property(text, (t) => {
        const encoding = base64Encoding(t);
        if (!encoding) return;
        expect(decodeToScratch(t).toString('hex')).toBe(Buffer.from(t, encoding).toString('hex'));
      }),
      { seed: 17, numRuns: 5000 },
    );
  });
});

describe('printable share (fast-check)', () => {
  /** The definition, one byte at a time. */
  const reference = (bytes: Buffer): number => {
    const length = Math.min(bytes.length, 4096);
    if (length === 0) return 1;
    let good = 0;
    for (let i = 0; i < length; i++) {
      const b = bytes[i]!;
      if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) good++;
      else if (b >= 0xc2 && b <= 0xf4) {
        const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
        let ok = i + need < bytes.length;
        for (let k = 1; ok && k <= need; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
        if (ok) {
          good += need + 1;
          i += need;
        }
      }
    }
    return good / length;
  };
  it('matches the byte-by-byte definition, and text is readable exactly when 95 % of it is printable', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'grapheme', maxLength: 3000 }).map((t) => Buffer.from(t)),
      fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((t) => Buffer.from(t)),
      fc
        .tuple(
          fc.stringMatching(/^[ -~]{60,200}$/),
          fc.constantFrom('', '\t', '\n', '\u0000', '\u007f'),
          fc.stringMatching(/^[ -~]{0,40}$/),
        )
        .map((parts) => Buffer.from(parts.join(''))),
      fc
        .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1500 }), fc.uint8Array({ maxLength: 120 }), fc.nat())
        .map(([text, noise, at]) => {
          const bytes = Buffer.from(text);
          const cut = at % (bytes.length + 1);
          return Buffer.concat([bytes.subarray(0, cut), noise, bytes.subarray(cut)]);
        }),
    );
    // Views at every alignment, as payloads cut out of larger buffers are.
    const aligned = fc.tuple(inputs, fc.integer({ min: 0, max: 7 })).map(([bytes, shift]) => {
      const backing = Buffer.alloc(bytes.length + shift);
      bytes.copy(backing, shift);
      return backing.subarray(shift);
    });
    const counts = new Uint32Array(256);
    fc.assert(
      fc.property(aligned, (bytes) => {
        counts.fill(7);
        expect(printableRatioCounting(bytes, counts)).toBe(reference(bytes));
        expect(isReadable(bytes)).toBe(bytes.length > 0 && reference(bytes) >= 0.95);
        // Every byte is counted, past the sample too.
        const expected = new Uint32Array(256);
        for (const byte of bytes) expected[byte]!++;
        expect(counts).toEqual(expected);
      }),
      { seed: 14, numRuns: 3000 },
    );
  });
});

describe('entropy (fast-check)', () => {
  it('is exactly the Shannon formula summed byte value by byte value, call after call', () => {
    const formula = (bytes: Uint8Array): number => {
      if (bytes.length === 0) return 0;
      const counts = new Array<number>(256).fill(0);
      for (const byte of bytes) counts[byte]!++;
      let bits = 0;
      for (const count of counts) {
        if (count === 0) continue;
        const p = count / bytes.length;
        bits -= p * Math.log2(p);
      }
      return bits;
    };
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.uint8Array({ maxLength: 3000 }).map((b) => b.map((x) => x & 7)),
      fc.integer({ min: 256, max: 2000 }).map((n) => new Uint8Array(n).map((_, i) => (i * i) & 0xff)),
    );
    fc.assert(
      fc.property(inputs, (bytes) => {
        expect(entropy(Buffer.from(bytes))).toBe(formula(bytes));
        const counts = new Uint32Array(256);
        for (const byte of bytes) counts[byte]!++;
        expect(entropyOfCounts(counts, bytes.length)).toBe(formula(bytes));
      }),
      { seed: 18, numRuns: 2000 },
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

describe('gunzip and inflate through reused engines (fast-check)', () => {
  const plain = { gzip: gunzipSync, zlib: inflateSync, raw: inflateRawSync } as const;
  const outcome = (call: () => Buffer) => {
    try {
      return call().toString('base64');
    } catch {
      return 'error';
    }
  };
  it('give the bytes the plain calls give, and fail where they fail', () => {
    const text = fc.string({ maxLength: 3000 });
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      text.map((t) => gzipSync(t)),
      text.map((t) => deflateSync(t)),
      text.map((t) => deflateRawSync(t)),
      fc.tuple(text, text).map(([a, b]) => Buffer.concat([gzipSync(a), gzipSync(b)])),
      fc.tuple(text, fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([t, tail]) => Buffer.concat([gzipSync(t), tail])),
      fc.tuple(text, fc.nat()).map(([t, cut]) => {
        const stream = gzipSync(t);
        return stream.subarray(0, cut % stream.length);
      }),
      fc.integer({ min: 1000, max: 400_000 }).map((n) => gzipSync(Buffer.alloc(n, 120))),
    );
    fc.assert(
      fc.property(
        inputs,
        fc.constantFrom('gzip', 'zlib', 'raw') as fc.Arbitrary<keyof typeof plain>,
        fc.constantFrom(100, 5000, 8 << 20),
        (bytes, kind, max) => {
          expect(outcome(() => inflateWith(kind, bytes, max))).toBe(outcome(() => plain[kind](bytes, { maxOutputLength: max })));
        },
      ),
      { seed: 10, numRuns: 3000 },
    );
  });
});
