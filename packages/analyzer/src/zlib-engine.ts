import {
  constants,
  DeflateRaw,
  deflateRawSync,
  Gunzip,
  gunzipSync,
  Inflate,
  InflateRaw,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import { hasRepeatedTriple, LITERAL_BLOCK_MAX, literalBlockLength } from './literal-deflate.js';

/**
 * Reusable zlib engines for decoding and the protection tests. Node's `*Sync` functions build a zlib stream
 * per call (~100 µs for a deflate) and, when the input is not valid, leave the failed stream's
 * error and close callbacks queued on `process.nextTick` with its native memory (~16 KB) until
 * the synchronous caller returns to the event loop: analysing a whole bundle synchronously
 * grew by that much for every random-looking payload. Here one engine per kind is kept and
 * reset before each use (deflateReset/inflateReset leave it exactly as new, so outputs are the
 * same bytes), driven through the handle Node's own sync functions drive, with an error
 * handler that only records the error. Where that handle is not there (another Node version)
 * or anything is unexpected, the plain `*Sync` call is used, so results never differ.
 */
interface ZlibHandle {
  reset(): void;
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  onerror: unknown;
}

interface Engine {
  handle: ZlibHandle;
  state: Uint32Array;
  failed: boolean;
}

function engineOf(stream: unknown): Engine | null {
  const { _handle: handle, _writeState: state } = stream as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function') return null;
  if (!(state instanceof Uint32Array) || state.length < 2) return null;
  const engine: Engine = { handle: handle as ZlibHandle, state, failed: false };
  engine.handle.onerror = () => {
    engine.failed = true;
  };
  return engine;
}

/**
 * Runs `input` through a reset engine into `out` in one call: the number of bytes written, or
 * -1 when zlib reported an error, or -2 when `out` filled up or input was left over.
 */
function run(engine: Engine, flush: number, input: Uint8Array, out: Buffer): number {
  engine.failed = false;
  engine.handle.reset();
  if (engine.failed) throw new Error('zlib engine could not be reset');
  engine.handle.writeSync(flush, input, 0, input.length, out, 0, out.length);
  if (engine.failed) return -1;
  const availOut = engine.state[0]!;
  const availIn = engine.state[1]!;
  return availOut === 0 || (availIn !== 0 && flush === constants.Z_FINISH) ? -2 : out.length - availOut;
}

let deflater: Engine | null | undefined;
let deflated = Buffer.alloc(16 * 1024);

/**
 * Whether this Node's zlib writes literal blocks as literalBlockLength computes them, checked
 * once on three samples (one block of each kind: stored, static, dynamic). A zlib that built its
 * trees differently would fail here, and every length would come from zlib itself.
 */
let literalLengthsHold: boolean | undefined;

function literalLengthsAgree(): boolean {
  let state = 0x2545f491;
  const random = (length: number, alphabet: number) =>
    Uint8Array.from({ length }, () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return (state >>> 16) % alphabet;
    });
  const samples = [random(832, 256), random(24, 256), random(600, 5)];
  return samples.every((sample, index) => {
    const huffmanOnly = deflateRawSync(sample, { level: 1, strategy: constants.Z_HUFFMAN_ONLY }).length;
    if (literalBlockLength(sample) !== huffmanOnly) return false;
    // The first sample has no repeated 3-byte sequence: level 1 must write the same block.
    return index > 0 || (!hasRepeatedTriple(sample) && deflateRawSync(sample, { level: 1 }).length === huffmanOnly);
  });
}

/**
 * `deflateRawSync(bytes, { level: 1 }).length`. Bytes in which no 3-byte sequence repeats (most
 * random-looking payloads) can only be coded as literals, and their length is computed without
 * zlib, whose deflate is slowest on exactly that input. `counts`, when given, are the byte
 * counts of `bytes` (see literalBlockLength).
 */
export function deflatedLength(bytes: Uint8Array, counts?: Uint32Array): number {
  if (bytes.length >= 1 && bytes.length <= LITERAL_BLOCK_MAX && !hasRepeatedTriple(bytes)) {
    literalLengthsHold ??= literalLengthsAgree();
    if (literalLengthsHold) return literalBlockLength(bytes, counts);
  }
  if (deflater === undefined) deflater = engineOf(new DeflateRaw({ level: 1 }));
  if (deflater) {
    if (deflated.length < bytes.length + 1024) deflated = Buffer.alloc(2 * bytes.length + 1024);
    try {
      const length = run(deflater, constants.Z_FINISH, bytes, deflated);
      if (length >= 0) return length;
    } catch {
      deflater = null;
    }
  }
  return deflateRawSync(bytes, { level: 1 }).length;
}

let inflater: Engine | null | undefined;
const inflated = Buffer.alloc(64 * 1024 + 1);

/**
 * Whether `inflateRawSync(bytes, { finishFlush: Z_SYNC_FLUSH, maxOutputLength })` succeeds
 * with more than `minimum` bytes of output (an error, or more than `maxOutputLength`, is false).
 */
export function inflatesRawBeyond(bytes: Uint8Array, minimum: number, maxOutputLength: number): boolean {
  if (inflater === undefined) inflater = engineOf(new InflateRaw());
  if (inflater && maxOutputLength < inflated.length) {
    try {
      const length = run(inflater, constants.Z_SYNC_FLUSH, bytes, inflated);
      // -2: the output reached maxOutputLength + 1 bytes, which the plain call refuses.
      return length >= 0 && length <= maxOutputLength && length > minimum;
    } catch {
      inflater = null;
    }
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return inflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength }).length > minimum;
  } catch {
    return false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const decoders = {
  gzip: { make: () => new Gunzip(), plain: gunzipSync, engine: undefined as Engine | null | undefined },
  zlib: { make: () => new Inflate(), plain: inflateSync, engine: undefined as Engine | null | undefined },
  raw: { make: () => new InflateRaw(), plain: inflateRawSync, engine: undefined as Engine | null | undefined },
};
const decoded = Buffer.alloc(256 * 1024);

/**
 * `gunzipSync` / `inflateSync` / `inflateRawSync(bytes, { maxOutputLength })`: the same bytes,
 * or an error where they throw one. Outputs larger than the 256 KiB scratch buffer, and input
 * left over after the stream, go to the plain call.
 */
export function inflateWith(kind: keyof typeof decoders, bytes: Uint8Array, maxOutputLength: number): Buffer {
  const decoder = decoders[kind];
  if (decoder.engine === undefined) decoder.engine = engineOf(decoder.make());
  if (decoder.engine) {
    let length: number;
    try {
      length = run(decoder.engine, constants.Z_FINISH, bytes, decoded);
    } catch {
      decoder.engine = null;
      length = -2;
    }
    if (length === -1) throw new Error(`not a valid ${kind} stream`);
    if (length >= 0) {
      if (length > maxOutputLength) throw new RangeError(`more than ${maxOutputLength} bytes`);
      return Buffer.from(decoded.subarray(0, length));
    }
  }
  return decoder.plain(bytes, { maxOutputLength });
}
