/** Byte entropy: how random a run of bytes looks. */

const byteCounts = new Uint32Array(256);
/**
 * `p * Math.log2(p)` for `p = count / termsLength`, by count (NaN until computed). Math.log2 is
 * the slow part of the entropy, and counts repeat within a payload and between payloads of the
 * same length; each term is the same number the formula gives, summed in the same order.
 */
const terms = new Float64Array(256).fill(NaN);
let termsLength = -1;

/** Shannon entropy in bits per byte. */
export function entropy(bytes: Buffer): number {
  const length = bytes.length;
  if (length === 0) return 0;
  const counts = byteCounts.fill(0);
  for (let i = 0; i < length; i++) counts[bytes[i]!]!++;
  if (termsLength !== length) {
    terms.fill(NaN);
    termsLength = length;
  }
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const count = counts[b]!;
    if (count === 0) continue;
    let term = count < 256 ? terms[count]! : NaN;
    if (Number.isNaN(term)) {
      const p = count / length;
      term = p * Math.log2(p);
      if (count < 256) terms[count] = term;
    }
    bits -= term;
  }
  return bits;
}

/** The highest entropy `n` bytes can show: a short random string cannot reach 8 bits per byte. */
export function entropyCeiling(n: number): number {
  return Math.min(8, Math.log2(Math.max(2, n)));
}

/**
 * Share of the ceiling that counts as random-looking. Sampling lowers the entropy of short
 * random strings (220 random bytes measure about 7.1 bits, not 8), hence not closer to 1.
 */
export const RANDOM_SHARE = 0.85;
