/**
 * The exact size of zlib's raw deflate output for input it can only code as literals, computed
 * without zlib. Deflate replaces a repeated sequence of at least 3 bytes with a back-reference;
 * when no 3-byte sequence occurs twice there is nothing to replace, so zlib's level-1 deflate
 * (like its Huffman-only strategy) writes every byte as a literal, and the size of the result
 * follows from the byte counts alone: zlib builds its Huffman trees from them and writes the
 * smallest of a stored, a static and a dynamic block. This module repeats those steps
 * (`_tr_flush_block` in zlib's trees.c, with its tie-breaking and its length limiting) in about
 * half the time zlib's deflate takes on such bytes, which it spends searching for matches and
 * building the same trees. Random bytes of 1,536 or more usually need no trees at all: a lower
 * bound of the dynamic block already shows that the stored block is written (see
 * {@link dynamicLowerBound}). The tests compare every result with zlib's own output.
 *
 * Valid for inputs of 1 to 4096 bytes, which zlib writes as one final block.
 */

/** Largest input handled: well within one block (16,383 symbols) and the 32 KiB window. */
export const LITERAL_BLOCK_MAX = 4096;

const END_BLOCK = 256;
const L_CODES = 286;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

/** Extra bits of the code-length codes 16, 17, 18. */
const extraBlBits = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
/** The order in which the code-length code lengths are sent. */
const blOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** One Huffman tree being built: leaves first, then internal nodes (as zlib's ct_data arrays). */
class Tree {
  readonly freq: Int32Array;
  readonly dad: Int32Array;
  readonly len: Int32Array;
  maxCode = -1;
  constructor(readonly elems: number) {
    this.freq = new Int32Array(2 * elems + 1);
    this.dad = new Int32Array(2 * elems + 1);
    this.len = new Int32Array(2 * elems + 1);
  }
}

/**
 * zlib's heap, with each entry packing what zlib compares above the node number:
 * `(freq * 256 + depth) * 1024 + node`. zlib's `smaller(a, b)` (lower frequency, or the same and
 * no greater depth) is then `a <= (b | 1023)`, one integer comparison. Frequencies stay below
 * 4098 and depths below 32 here, so entries fit in 31 bits. The top of the array holds the
 * nodes in the order they left the heap, as in zlib.
 */
const heap = new Int32Array(HEAP_SIZE + 1);
const NODE_MASK = 1023;
/** Larger than any entry: the right child of the last heap entry, never the smaller one. */
const SENTINEL = 0x7fffffff;
const blCount = new Int32Array(MAX_BITS + 1);
/** Bits of the dynamic block as zlib counts them while building its trees (opt_len). */
let optLen = 0;

const literalTree = new Tree(L_CODES);
const bitLengthTree = new Tree(BL_CODES);

function entry(freq: number, depth: number, node: number): number {
  return (freq << 18) | (depth << 10) | node;
}

/**
 * zlib's pqdownheap over `heap[1..heapLen]`. The child is chosen without a branch: on real data
 * that comparison is a coin toss.
 */
function downHeap(start: number, heapLen: number): void {
  let k = start;
  const v = heap[k]!;
  heap[heapLen + 1] = SENTINEL;
  let j = k << 1;
  while (j <= heapLen) {
    // The right child if it is not larger than the left one (zlib takes it on a tie).
    j += 1 - (((heap[j]! | NODE_MASK) - heap[j + 1]!) >>> 31);
    const child = heap[j]!;
    if (v <= (child | NODE_MASK)) break;
    heap[k] = child;
    k = j;
    j <<= 1;
  }
  heap[k] = v;
}

/**
 * Code lengths of a tree from its frequencies (build_tree and gen_bitlen), adding the coded size
 * of its leaves to `optLen`.
 */
function buildTree(tree: Tree, maxLength: number, extraBits: readonly number[] | null): void {
  const { freq, dad, len, elems } = tree;
  let heapLen = 0;
  let heapMax = HEAP_SIZE;
  let maxCode = -1;
  for (let n = 0; n < elems; n++) {
    if (freq[n] !== 0) {
      heap[++heapLen] = entry(freq[n]!, 0, n);
      maxCode = n;
    } else len[n] = 0;
  }
  // The format needs at least two codes: zlib adds dummies of frequency 1 that cost nothing.
  while (heapLen < 2) {
    const node = maxCode < 2 ? ++maxCode : 0;
    heap[++heapLen] = entry(1, 0, node);
    freq[node] = 1;
    optLen--;
  }
  tree.maxCode = maxCode;
  for (let n = heapLen >> 1; n >= 1; n--) downHeap(n, heapLen);
  let node = elems;
  do {
    const a = heap[1]!;
    heap[1] = heap[heapLen--]!;
    downHeap(1, heapLen);
    const b = heap[1]!;
    heap[--heapMax] = a & NODE_MASK;
    heap[--heapMax] = b & NODE_MASK;
    dad[a & NODE_MASK] = dad[b & NODE_MASK] = node;
    const depth = Math.max((a >>> 10) & 255, (b >>> 10) & 255) + 1;
    heap[1] = entry((a >>> 18) + (b >>> 18), depth, node++);
    downHeap(1, heapLen);
  } while (heapLen >= 2);
  heap[--heapMax] = heap[1]! & NODE_MASK;

  // Lengths from the root down; codes longer than maxLength are then moved up as zlib does.
  blCount.fill(0);
  len[heap[heapMax]!] = 0;
  let overflow = 0;
  let h: number;
  for (h = heapMax + 1; h < HEAP_SIZE; h++) {
    const n = heap[h]!;
    let bits = len[dad[n]!]! + 1;
    if (bits > maxLength) {
      bits = maxLength;
      overflow++;
    }
    len[n] = bits;
    if (n > maxCode) continue;
    blCount[bits]!++;
    optLen += freq[n]! * (extraBits ? bits + extraBits[n]! : bits);
  }
  if (overflow === 0) return;
  do {
    let bits = maxLength - 1;
    while (blCount[bits] === 0) bits--;
    blCount[bits]!--;
    blCount[bits + 1]! += 2;
    blCount[maxLength]!--;
    overflow -= 2;
  } while (overflow > 0);
  for (let bits = maxLength; bits !== 0; bits--) {
    let count = blCount[bits]!;
    while (count !== 0) {
      const m = heap[--h]!;
      if (m > maxCode) continue;
      if (len[m] !== bits) {
        optLen += (bits - len[m]!) * freq[m]!;
        len[m] = bits;
      }
      count--;
    }
  }
}

/** Counts the code-length codes that describe a tree's lengths (scan_tree). */
function scanTree(tree: Tree): void {
  const { len, maxCode } = tree;
  const blFreq = bitLengthTree.freq;
  let prevLen = -1;
  let nextLen = len[0]!;
  let count = 0;
  let maxCount = nextLen === 0 ? 138 : 7;
  let minCount = nextLen === 0 ? 3 : 4;
  len[maxCode + 1] = 0xffff; // guard
  for (let n = 0; n <= maxCode; n++) {
    const curLen = nextLen;
    nextLen = len[n + 1]!;
    if (++count < maxCount && curLen === nextLen) continue;
    if (count < minCount) blFreq[curLen]! += count;
    else if (curLen !== 0) {
      if (curLen !== prevLen) blFreq[curLen]!++;
      blFreq[REP_3_6]!++;
    } else if (count <= 10) blFreq[REPZ_3_10]!++;
    else blFreq[REPZ_11_138]!++;
    count = 0;
    prevLen = curLen;
    if (nextLen === 0) {
      maxCount = 138;
      minCount = 3;
    } else if (curLen === nextLen) {
      maxCount = 6;
      minCount = 3;
    } else {
      maxCount = 7;
      minCount = 4;
    }
  }
}

/**
 * The length of `deflateRawSync(bytes, { strategy: Z_HUFFMAN_ONLY })` for 1 to
 * {@link LITERAL_BLOCK_MAX} bytes at any level from 1 to 9: one final block of literals.
 * `counts`, when given, holds how often each byte value occurs in `bytes` (already counted by
 * the caller), and the bytes are not read again.
 */
export function literalBlockLength(bytes: Uint8Array, counts?: Uint32Array): number {
  const n = bytes.length;
  if (n < 1 || n > LITERAL_BLOCK_MAX) throw new RangeError(`literalBlockLength takes 1 to ${LITERAL_BLOCK_MAX} bytes, not ${n}`);
  const freq = literalTree.freq;
  if (counts) {
    for (let b = 0; b < 256; b++) freq[b] = counts[b]!;
    freq.fill(0, 256);
  } else {
    freq.fill(0);
    for (let i = 0; i < n; i++) freq[bytes[i]!]!++;
  }
  freq[END_BLOCK] = 1;
  // The static tree codes bytes 0–143 in 8 bits, 144–255 in 9, the end of block in 7.
  let staticLen = 8 * n + 7;
  for (let symbol = 144; symbol < 256; symbol++) staticLen += freq[symbol]!;

  // A stored block wins whenever the static block and a lower bound of the dynamic one are not smaller.
  if (n >= STORED_BOUND_MIN && n + 4 <= (staticLen + 3 + 7) >> 3 && n + 4 <= (dynamicLowerBound(freq) + 3 + 7) >> 3) return n + 5;

  optLen = 0;
  buildTree(literalTree, MAX_BITS, null);
  const blFreq = bitLengthTree.freq;
  blFreq.fill(0);
  scanTree(literalTree);
  // Without matches the distance tree is zlib's two dummy codes of 1 bit, which cost nothing in
  // the data and are described by two code-length symbols "1".
  blFreq[1]! += 2;
  buildTree(bitLengthTree, MAX_BL_BITS, extraBlBits);
  let maxBlIndex = BL_CODES - 1;
  while (maxBlIndex >= 3 && bitLengthTree.len[blOrder[maxBlIndex]!] === 0) maxBlIndex--;
  optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;

  // Block sizes in bytes with the 3-bit block header, aligned as the final block is; zlib
  // prefers static codes on a tie, and a stored block (header byte, LEN, NLEN, the bytes)
  // when it is not larger than the best coded block.
  const bestCoded = Math.min((optLen + 3 + 7) >> 3, (staticLen + 3 + 7) >> 3);
  return n + 4 <= bestCoded ? n + 5 : bestCoded;
}

/**
 * Below this many bytes the bound of {@link dynamicLowerBound} rarely rules the dynamic block out
 * for random bytes (about 1 in 7 at 1,024 bytes, 9 in 10 from 2,048), so it is not tried.
 */
export const STORED_BOUND_MIN = 1536;

const sortedFreq = new Int32Array(L_CODES);
const merged = new Int32Array(L_CODES);

/**
 * A number of bits that the dynamic block's `optLen` (its coded literals and the description of
 * its trees, without the 3-bit header) is never below, from the frequencies of the literal tree
 * only. The literals cost at least what an optimal prefix code without a length limit costs
 * (a Huffman code, whose cost is the sum of its merged weights and is the same whichever way
 * ties are broken; zlib's length-limited tree cannot do better). The description costs at least
 * its 5 + 5 + 4 bits of counts and 3 bits for each of at least 4 code-length code lengths, plus
 * one bit for each code-length symbol: a symbol sends one literal length, or repeats the
 * previous one 3 to 6 times with 2 more bits, so each nonzero literal length costs at least half
 * a bit.
 */
export function dynamicLowerBound(freq: Int32Array): number {
  let m = 0;
  for (let symbol = 0; symbol <= END_BLOCK; symbol++) if (freq[symbol] !== 0) sortedFreq[m++] = freq[symbol]!;
  const leaves = sortedFreq.subarray(0, m).sort();
  // Huffman's merges with two queues: the sorted leaves and the merged weights (which come out sorted).
  let cost = 0;
  let leaf = 0;
  let head = 0;
  let tail = 0;
  for (let merges = m - 1; merges > 0; merges--) {
    let a: number;
    if (head === tail || (leaf < m && leaves[leaf]! <= merged[head]!)) a = leaves[leaf++]!;
    else a = merged[head++]!;
    let b: number;
    if (head === tail || (leaf < m && leaves[leaf]! <= merged[head]!)) b = leaves[leaf++]!;
    else b = merged[head++]!;
    cost += a + b;
    merged[tail++] = a + b;
  }
  return cost + Math.ceil(m / 2) + 5 + 5 + 4 + 3 * 4;
}

/**
 * The 3-byte sequences seen, by open addressing: 24-bit keys tagged with a 7-bit call stamp, so
 * slots from earlier calls count as empty and the table is cleared only when the stamp wraps.
 * 8192 slots hold the 4094 sequences of the largest input at most half full.
 */
const seen = new Int32Array(8192);
const stamps = { last: 0 };

/**
 * Whether some 3-byte sequence occurs twice in `bytes` (up to {@link LITERAL_BLOCK_MAX}): the
 * only way deflate finds a match.
 */
export function hasRepeatedTriple(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n > LITERAL_BLOCK_MAX) throw new RangeError(`hasRepeatedTriple takes at most ${LITERAL_BLOCK_MAX} bytes, not ${n}`);
  if (n < 4) return false;
  // Read through locals: the loop then touches no module variable.
  const table = seen;
  let stamp = stamps.last + 1;
  if (stamp === 128) {
    stamp = 1;
    table.fill(0);
  }
  stamps.last = stamp;
  const tag = stamp << 24;
  let key = (bytes[0]! << 8) | bytes[1]!;
  for (let i = 2; i < n; i++) {
    key = ((key << 8) | bytes[i]!) & 0xffffff;
    const tagged = tag | key;
    // Fibonacci hashing to 13 bits, then linear probing over the slots of this call.
    let slot = (Math.imul(key, 0x9e3779b1) >>> 19) & 8191;
    let held = table[slot]!;
    while ((held & 0x7f000000) === tag) {
      if (held === tagged) return true;
      slot = (slot + 1) & 8191;
      held = table[slot]!;
    }
    table[slot] = tagged;
  }
  return false;
}
