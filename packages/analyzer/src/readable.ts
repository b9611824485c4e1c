/** How much of a run of bytes is readable text. */

/** Bytes that printableRatioCounting and isReadable look at. */
const PRINTABLE_SAMPLE = 4096;

/**
 * Byte classes for the printable count: 1 for printable ASCII, tab, LF and CR; for a UTF-8 lead
 * byte, the length of its sequence (2–4); 0 for anything else.
 */
const byteClass = new Uint8Array(256).map((_, b) =>
  (b >= 32 && b < 127) || b === 9 || b === 10 || b === 13 ? 1 : b >= 0xc2 && b <= 0xf4 ? (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) : 0,
);

/** Whether the `need` bytes after the lead byte at `i` are all there and UTF-8 continuation bytes. */
function continues(bytes: Buffer, i: number, need: number): boolean {
  if (i + need >= bytes.length) return false;
  for (let k = 1; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return false;
  return true;
}

/**
 * Bytes among the first 4096 that are printable ASCII, whitespace or part of a valid UTF-8
 * sequence (one that starts in the sample counts whole), or -1 as soon as more than `maxOther`
 * bytes were neither. Tuned for text, where the branch on printable bytes is always taken.
 */
function printableCount(bytes: Buffer, maxOther: number): number {
  const length = Math.min(bytes.length, PRINTABLE_SAMPLE);
  let good = 0;
  let other = 0;
  for (let i = 0; i < length; i++) {
    const cls = byteClass[bytes[i]!]!;
    if (cls === 1) {
      good++;
      continue;
    }
    if (cls > 1) {
      // A lead byte followed by the right number of continuation bytes.
      if (continues(bytes, i, cls - 1)) {
        good += cls;
        i += cls - 1;
        continue;
      }
    }
    if (++other > maxOther) return -1;
  }
  return good;
}

/**
 * Share of the first 4096 bytes that are printable ASCII, whitespace or part of valid UTF-8
 * sequences (1 for no bytes), counting the value of every byte of `bytes` (not only the sample)
 * into `counts` on the way: the protection report needs both of the same bytes, and one pass
 * reads them once. A continuation byte counts nothing on its own, so every position is visited,
 * none skipped, and a lead byte adds its whole sequence when the sequence is complete.
 */
export function printableRatioCounting(bytes: Buffer, counts: Uint32Array): number {
  counts.fill(0);
  const total = bytes.length;
  const length = Math.min(total, PRINTABLE_SAMPLE);
  let good = 0;
  for (let i = 0; i < length; i++) {
    const b = bytes[i]!;
    counts[b]!++;
    const cls = byteClass[b]!;
    if (cls < 2) good += cls;
    else if (continues(bytes, i, cls - 1)) good += cls;
  }
  for (let i = length; i < total; i++) counts[bytes[i]!]!++;
  return length === 0 ? 1 : good / length;
}

/**
 * At least 95 % printable. Text is mostly printable ASCII, which is checked four bytes at a time;
 * otherwise the count stops once too many bytes are not printable: `good` is at most
 * `length - other + 3` (a sequence may run past the sample), below 95 % when `other` exceeds
 * 5 % of the sample plus 3, so binary is told from text after a few hundred bytes.
 */
export function isReadable(bytes: Buffer): boolean {
  const length = Math.min(bytes.length, PRINTABLE_SAMPLE);
  if (length === 0) return false;
  if (length >= 64 && allPrintableAscii(bytes, length)) return true;
  const good = printableCount(bytes, Math.floor(length / 20) + 3);
  return good >= 0 && good / length >= 0.95;
}

/**
 * Whether the first `length` bytes are all in 0x20–0x7e. Whole 32-bit words are tested at once:
 * a byte below 0x20 borrows into its top bit when 0x20 is taken from it (and had that bit
 * clear), and a byte of 0x7f or more has its top bit set, or gets it when 1 is added to its low
 * seven bits.
 */
function allPrintableAscii(bytes: Buffer, length: number): boolean {
  let i = 0;
  const head = Math.min(length, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) return false;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (length - i) >> 2);
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if ((((word - 0x20202020) & ~word) | word | ((word & 0x7f7f7f7f) + 0x01010101)) & 0x80808080) return false;
  }
  for (i += words.length * 4; i < length; i++) if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) return false;
  return true;
}
