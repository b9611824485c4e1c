/** Byte entropy: how random a run of bytes looks. */

const byteCounts = new Uint32Array(256);
/**
 * `p * Math.log2(p)` for `p = count / termsOf.length`, by count (NaN until computed). Math.log2 is
 * the slow part of the entropy, and counts repeat within a payload and between payloads of the
 * same length; each term is the same number the formula gives, summed in the same order.
 */
const terms = new Float64Array(256).fill(NaN);
/** The length `terms` holds terms for (-1: none). */
const termsOf = { length: -1 };

/** Shannon entropy in bits per byte. */
export function entropy(bytes: Buffer): number {
  const length = bytes.length;
  if (length === 0) return 0;
  const counts = byteCounts.fill(0);
  for (let i = 0; i < length; i++) counts[bytes[i]!]!++;
  return entropyOfCounts(counts, length);
}

/** Shannon entropy in bits per byte of `length` bytes whose values were counted into `counts`. */
export function entropyOfCounts(counts: Uint32Array, length: number): number {
  if (length === 0) return 0;
  // The cache and its length are read through locals: the loop then touches no module variable.
  const cached = terms;
  if (termsOf.length !== length) {
    cached.fill(NaN);
    termsOf.length = length;
  }
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const count = counts[b]!;
    if (count === 0) continue;
    if (count < 256) {
      let term = cached[count]!;
      // NaN: not computed yet for this length.
      if (term !== term) {
        const p = count / length;
        term = cached[count] = p * Math.log2(p);
      }
      bits -= term;
    } else {
      const p = count / length;
      bits -= p * Math.log2(p);
    }
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

const stamp = new Uint32Array(256);
const fewCounts = new Uint16Array(256);
const distinct = new Uint8Array(256);
let generation = 0;
const fewTerms = new Float64Array(1025).fill(NaN);
let fewTermsLength = -1;

/**
 * Shannon entropy in bits per byte of at most 1,024 bytes, visiting only the byte values that
 * occur (a few dozen for a 32-byte field) instead of all 256: the same terms as `entropy`, summed
 * in the order the values first occur.
 */
export function entropyOfFew(bytes: Uint8Array): number {
  const length = bytes.length;
  if (length === 0 || length > 1024) return entropy(Buffer.from(bytes.buffer, bytes.byteOffset, length));
  if (++generation === 0xffffffff) {
    stamp.fill(0);
    generation = 1;
  }
  let seen = 0;
  for (let i = 0; i < length; i++) {
    const b = bytes[i]!;
    if (stamp[b] !== generation) {
      stamp[b] = generation;
      fewCounts[b] = 0;
      distinct[seen++] = b;
    }
    fewCounts[b]!++;
  }
  if (fewTermsLength !== length) {
    fewTerms.fill(NaN);
    fewTermsLength = length;
  }
  let bits = 0;
  for (let k = 0; k < seen; k++) {
    const count = fewCounts[distinct[k]!]!;
    let term = fewTerms[count]!;
    if (Number.isNaN(term)) {
      const p = count / length;
      term = fewTerms[count] = p * Math.log2(p);
    }
    bits -= term;
  }
  return bits;
}
