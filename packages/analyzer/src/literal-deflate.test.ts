import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dynamicLowerBound,
  hasRepeatedTriple,
  LITERAL_BLOCK_MAX,
  literalBlockLength,
  STORED_BOUND_MIN,
} from './literal-deflate.js';

function repeatsNaively(bytes: Uint8Array): boolean {
  const seen = new Set<number>();
  for (let i = 0; i + 2 < bytes.length; i++) {
    const key = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** Bytes drawn from `alphabet` symbols with weights skewed like Fibonacci numbers (long and short codes). */
const skewed = fc
  .tuple(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: LITERAL_BLOCK_MAX }), fc.integer())
  .map(([alphabet, length, seed]) => {
    const weights = [1, 1];
    while (weights.length < alphabet) weights.push(weights.at(-1)! + weights.at(-2)!);
    const total = weights.reduce((a, b) => a + b, 0);
    const bytes = new Uint8Array(length);
    let state = seed >>> 0;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      let pick = state % total;
      let symbol = 0;
      while (pick >= weights[symbol]!) pick -= weights[symbol++]!;
      bytes[i] = (symbol * 37) & 0xff;
    }
    return bytes;
  });

const inputs = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: LITERAL_BLOCK_MAX }),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.string({ minLength: 1, maxLength: 2000 }).map((t) => Buffer.from(t).subarray(0, LITERAL_BLOCK_MAX)),
  skewed,
);

describe('literal-only deflate length (fast-check)', () => {
  it("equals zlib's Huffman-only raw deflate at every level, whatever the byte distribution", () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 1, max: 9 }), (bytes, level) => {
        const zlib = deflateRawSync(bytes, { level, strategy: constants.Z_HUFFMAN_ONLY }).length;
        expect(literalBlockLength(bytes)).toBe(zlib);
        // The same from the byte counts alone: given with bytes that are all zero, the counts decide.
        const counts = new Uint32Array(256);
        for (const byte of bytes) counts[byte]!++;
        expect(literalBlockLength(new Uint8Array(bytes.length), counts)).toBe(zlib);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('equals the level-1 deflate of bytes in which no 3-byte sequence repeats', () => {
    const tripleFree = fc
      .oneof(fc.uint8Array({ minLength: 1, maxLength: LITERAL_BLOCK_MAX }), skewed)
      .filter((bytes) => !repeatsNaively(bytes));
    fc.assert(
      fc.property(tripleFree, (bytes) => {
        expect(literalBlockLength(bytes)).toBe(deflateRawSync(bytes, { level: 1 }).length);
      }),
      { seed: 12, numRuns: 1000 },
    );
  });

  it('decides random bytes of 1,536 to 4,096 as zlib does, most of them by the lower bound alone', () => {
    let bounded = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: STORED_BOUND_MIN, maxLength: LITERAL_BLOCK_MAX }), (bytes) => {
        const zlib = deflateRawSync(bytes, { level: 1, strategy: constants.Z_HUFFMAN_ONLY }).length;
        expect(literalBlockLength(bytes)).toBe(zlib);
        const freq = new Int32Array(286);
        for (const byte of bytes) freq[byte]!++;
        freq[256] = 1;
        if (bytes.length + 4 <= (dynamicLowerBound(freq) + 10) >> 3) {
          bounded++;
          expect(zlib).toBe(bytes.length + 5); // a stored block, as the bound said
        }
      }),
      { seed: 14, numRuns: 400 },
    );
    expect(bounded).toBeGreaterThan(200);
  });

  it('never bounds the dynamic block above what zlib writes when zlib writes one', () => {
    // Skewed bytes compress: the dynamic block is the smallest, and its size must not be below the bound.
    let dynamic = 0;
    fc.assert(
      fc.property(skewed, (bytes) => {
        const zlib = deflateRawSync(bytes, { level: 1, strategy: constants.Z_HUFFMAN_ONLY }).length;
        const freq = new Int32Array(286);
        for (const byte of bytes) freq[byte]!++;
        freq[256] = 1;
        let staticBits = 8 * bytes.length + 7;
        for (const byte of bytes) if (byte >= 144) staticBits++;
        // Smaller than both the stored and the static block: zlib wrote a dynamic block, of the
        // 3-bit header and optLen rounded up to a byte, never fewer than the bound gives.
        if (zlib < bytes.length + 5 && zlib < (staticBits + 10) >> 3) {
          dynamic++;
          expect(zlib).toBeGreaterThanOrEqual((dynamicLowerBound(freq) + 10) >> 3);
        }
      }),
      { seed: 15, numRuns: 1000 },
    );
    expect(dynamic).toBeGreaterThan(500);
  });

  it('takes 1 to 4096 bytes', () => {
    expect(() => literalBlockLength(new Uint8Array(0))).toThrow(RangeError);
    expect(() => literalBlockLength(new Uint8Array(LITERAL_BLOCK_MAX + 1))).toThrow(RangeError);
  });
});

describe('repeated 3-byte sequences (fast-check)', () => {
  it('are found exactly when a naive scan finds them, call after call', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: LITERAL_BLOCK_MAX }),
          fc.uint8Array({ maxLength: 300 }).map((b) => b.map((x) => x & 7)),
          skewed,
        ),
        (bytes) => {
          expect(hasRepeatedTriple(bytes)).toBe(repeatsNaively(bytes));
        },
      ),
      { seed: 13, numRuns: 3000 },
    );
  });
});
