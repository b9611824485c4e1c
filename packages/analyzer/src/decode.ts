import { brotliDecompressSync } from 'node:zlib';
import type { FlowRecord } from '@conformance/core';
import { inflateWith } from './zlib-engine.js';

/**
 * The decoding pipeline: a flow's query, path, headers, cookies and body, peeled layer by
 * layer (content-encoding, base64, base64url, hex, URL-encoding, JWT, nested JSON, query
 * strings, multipart, protobuf-looking binary) into leaves of text, each with the path
 * that says exactly where it was: `body.json.events[3].props.imei`, `query.d|base64|json.lat`.
 */

/** One decoded text value and where it was. */
export interface Leaf {
  path: string;
  /** Name of the field that holds it (the last object key, form field or parameter name). */
  key: string;
  text: string;
}

/** A number (or numeric string) with the object that holds it, for coordinate detection. */
export interface NumericField {
  path: string;
  key: string;
  /** Path of the enclosing object, so siblings can be paired. */
  parent: string;
  value: number;
  /** Digits after the decimal point, as written. */
  decimals: number;
}

export interface StringArray {
  path: string;
  key: string;
  values: string[];
}

/** What the body turned out to be, for the protection classifier. */
export interface BodyShape {
  subject: 'body' | 'query' | 'none';
  size: number;
  layers: string[];
  structure: 'json' | 'form' | 'multipart' | 'text' | 'protobuf' | 'binary' | 'compressed' | 'none';
  /** Bytes the pipeline could not decode further (binary or unknown compression). */
  opaque: Buffer | null;
  notes: string[];
}

export interface DecodedFlow {
  leaves: Leaf[];
  numbers: NumericField[];
  arrays: StringArray[];
  body: BodyShape;
}

export interface DecodeOptions {
  /** How many nested layers (base64 in JSON in base64 …) to peel; default 4. */
  maxDepth?: number;
  /** Largest decompressed size accepted (zip-bomb guard); default 8 MiB. */
  maxInflated?: number;
}

/** Request headers that never carry app data. */
const skippedHeaders = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'connection',
  'cache-control',
  'pragma',
  'origin',
  'upgrade-insecure-requests',
  'te',
  'priority',
  'dnt',
  'sec-gpc',
  'user-agent',
]);

/** Body bytes of a flow (inline; `file` bodies are loaded into inline base64 by the bundle reader). */
export function bodyBytes(body: FlowRecord['body']): Buffer {
  if (body.data === undefined || body.data === '') return Buffer.alloc(0);
  return body.encoding === 'utf8' ? Buffer.from(body.data, 'utf8') : Buffer.from(body.data, 'base64');
}

export function header(flow: Pick<FlowRecord, 'headers'>, name: string): string | undefined {
  for (const [key, value] of flow.headers) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** How deep arrays and objects inside one decoded layer are walked. */
export const MAX_NESTING = 64;

class Collector {
  readonly leaves: Leaf[] = [];
  readonly numbers: NumericField[] = [];
  readonly arrays: StringArray[] = [];
  constructor(
    readonly maxDepth: number,
    readonly maxInflated: number,
  ) {}

  /** A text value: keep it, then try every layer it may hide. */
  text(path: string, key: string, text: string, parent: string, depth: number): void {
    this.leaves.push({ path, key, text });
    const length = text.length;
    if (length === 0) return;
    const first = text.charCodeAt(0);
    // Numeric strings: kept for coordinates.
    if (length < 24 && ((first >= 48 && first <= 57) || first === 45) && numeric.test(text)) {
      this.number(path, key, parent, Number(text), text);
      // Only a long even run of digits may still be hex (of text made of digits and letters A–I, a–i).
      if (length < 16 || length % 2 === 1 || text.includes('.') || depth >= this.maxDepth) return;
    }
    if (length < 48 && (first === 45 || (first >= 48 && first <= 57))) {
      const pair = coordinatePair.exec(text);
      if (pair) {
        this.number(`${path}[0]`, key, path, Number(pair[1]), pair[1]!);
        this.number(`${path}[1]`, key, path, Number(pair[2]), pair[2]!);
        return;
      }
    }
    if (depth >= this.maxDepth || length < 8) return;
    const trimmed = first === 32 || first === 10 ? text.trim() : text;
    const lead = trimmed.charCodeAt(0);
    // A text that parses as a structure is replaced by its parts (they carry every value, with a finer path).
    if (lead === 123 || lead === 91) {
      const value = tryJson(trimmed);
      if (value !== undefined && typeof value === 'object') {
        this.leaves.pop();
        return this.value(`${path}|json`, key, value, path, depth + 1);
      }
    }
    if (lead === 101 && jwt.test(trimmed)) {
      const payload = tryJson(Buffer.from(trimmed.split('.')[1]!, 'base64url').toString('utf8'));
      if (payload !== undefined) return this.value(`${path}|jwt`, key, payload, path, depth + 1);
    }
    if ((lead === 104 || lead === 72) && trimmed.includes('?') && urlWithQuery.test(trimmed)) {
      return this.query(`${path}|url-query`, trimmed.slice(trimmed.indexOf('?') + 1), depth + 1);
    }
    if (trimmed.includes('=') && queryString.test(trimmed)) {
      this.leaves.pop();
      return this.query(`${path}|qs`, trimmed, depth + 1);
    }
    if (trimmed.includes('%') && percent.test(trimmed)) {
      const decoded = tryDecodeUri(trimmed);
      if (decoded !== undefined && decoded !== trimmed) return this.text(`${path}|url`, key, decoded, parent, depth + 1);
    }
    if (length >= 12) {
      if (length % 2 === 0 && hex.test(trimmed)) {
        const bytes = Buffer.from(trimmed, 'hex');
        this.bytes(`${path}|hex`, key, bytes, parent, depth + 1);
        return;
      }
      const encoding = base64Encoding(trimmed);
      // Most short base64-looking values are ids whose bytes hold nothing: those are decoded
      // into scratch space and dropped there, without a buffer of their own.
      if (encoding && (length > SCRATCH_CHARS || bytesMayYield(decodeToScratch(trimmed)))) {
        const bytes = Buffer.from(trimmed, encoding);
        // A real base64 layer decodes to about 3/4 of its length; random words do not survive the printable test below.
        this.bytes(`${path}|base64`, key, bytes, parent, depth + 1);
      }
    }
  }

  /** Bytes out of a layer: decompress, keep readable text, look into protobuf; drop the rest. */
  bytes(path: string, key: string, bytes: Buffer, parent: string, depth: number): void {
    const inflated = inflateKnown(bytes, this.maxInflated);
    if (inflated) {
      path = `${path}|${inflated.layer}`;
      bytes = inflated.bytes;
    }
    if (isReadable(bytes)) {
      this.text(path, key, bytes.toString('utf8'), parent, depth);
      return;
    }
    const strings = protobufStrings(bytes);
    if (strings) for (const [field, text] of strings) this.text(`${path}|protobuf.${field}`, field, text, path, depth);
  }

  value(path: string, key: string, value: unknown, parent: string, depth: number, nesting = 0): void {
    if (typeof value === 'string') return this.text(path, key, value, parent, depth);
    if (typeof value === 'number') {
      const text = String(value);
      this.leaves.push({ path, key, text });
      this.number(path, key, parent, value, text);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    // Arrays and objects nested deeper than any real payload (JSON nested 100,000 deep, say)
    // are not walked further: their paths alone would grow quadratically, and the stack with them.
    if (nesting >= MAX_NESTING) return;
    if (Array.isArray(value)) {
      let strings = value.length > 0;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item !== 'string') strings = false;
        this.value(`${path}[${i}]`, key, item, parent, depth, nesting + 1);
      }
      if (strings) this.arrays.push({ path, key, values: value as string[] });
      return;
    }
    for (const name in value) {
      this.value(`${path}.${name}`, name, (value as Record<string, unknown>)[name], path, depth, nesting + 1);
    }
  }

  query(path: string, query: string, depth: number): void {
    for (const [name, value] of new URLSearchParams(query)) {
      this.text(`${path}.${name}`, name, value, path, depth);
    }
  }

  number(path: string, key: string, parent: string, value: number, text: string): void {
    if (!Number.isFinite(value)) return;
    const dot = text.indexOf('.');
    const exponent = exponentMark.test(text);
    this.numbers.push({ path, key, parent, value, decimals: dot < 0 || exponent ? 0 : text.length - dot - 1 });
  }
}

/** Decodes every part of one flow into leaves. Pure; never throws on bad input. */
export function decodeFlow(flow: FlowRecord, options: DecodeOptions = {}): DecodedFlow {
  const collector = new Collector(options.maxDepth ?? 4, options.maxInflated ?? 8 * 1024 * 1024);
  const questionMark = flow.path.indexOf('?');
  const pathname = questionMark < 0 ? flow.path : flow.path.slice(0, questionMark);
  const search = questionMark < 0 ? '' : flow.path.slice(questionMark + 1);
  pathname.split('/').forEach((segment, index) => {
    if (segment.length >= 6) {
      const decoded = tryDecodeUri(segment) ?? segment;
      collector.text(`path[${index}]`, '', decoded, 'path', 0);
    }
  });
  if (search) collector.query('query', search, 0);
  for (const [rawName, value] of flow.headers) {
    const name = rawName.toLowerCase();
    if (skippedHeaders.has(name) || name.startsWith('sec-')) continue;
    if (name === 'cookie') {
      for (const pair of value.split(/;\s*/)) {
        const eq = pair.indexOf('=');
        if (eq > 0) collector.text(`cookie.${pair.slice(0, eq)}`, pair.slice(0, eq), pair.slice(eq + 1), 'cookie', 0);
      }
      continue;
    }
    if (name === 'authorization') {
      const token = value.replace(/^(bearer|basic)\s+/i, '');
      collector.text(`header.${name}`, name, token, 'header', 0);
      continue;
    }
    collector.text(`header.${name}`, name, value, 'header', 0);
  }
  const body = decodeBody(flow, collector, search);
  return { leaves: collector.leaves, numbers: collector.numbers, arrays: collector.arrays, body };
}

function decodeBody(flow: FlowRecord, collector: Collector, search: string): BodyShape {
  const raw = bodyBytes(flow.body);
  if (raw.length === 0) {
    return {
      subject: search ? 'query' : 'none',
      size: Buffer.byteLength(search),
      layers: search ? ['query'] : [],
      structure: search ? 'form' : 'none',
      opaque: null,
      notes: search ? ['no body: the query string is the payload'] : ['no body and no query string'],
    };
  }
  const shape: BodyShape = { subject: 'body', size: raw.length, layers: [], structure: 'binary', opaque: null, notes: [] };
  const contentType = (header(flow, 'content-type') ?? '').toLowerCase();
  let bytes = raw;
  const contentEncoding = (header(flow, 'content-encoding') ?? '').toLowerCase().trim();
  if (contentEncoding && contentEncoding !== 'identity') {
    try {
      bytes = decompress(contentEncoding, bytes, collector.maxInflated);
      shape.layers.push(contentEncoding);
    } catch {
      shape.notes.push(`content-encoding ${contentEncoding} did not decode`);
      shape.opaque = raw;
      return shape;
    }
  }
  let path = 'body';
  for (let depth = 0; depth <= collector.maxDepth; depth++) {
    const inflated = inflateKnown(bytes, collector.maxInflated);
    if (inflated) {
      shape.layers.push(inflated.layer);
      path = `${path}|${inflated.layer}`;
      bytes = inflated.bytes;
      continue;
    }
    const compression = unknownCompression(bytes);
    if (compression) {
      shape.structure = 'compressed';
      shape.opaque = bytes;
      shape.notes.push(`${compression} stream (not decoded)`);
      return shape;
    }
    if (!isReadable(bytes)) {
      const strings = protobufStrings(bytes);
      if (strings) {
        shape.structure = 'protobuf';
        for (const [field, text] of strings) collector.text(`${path}.protobuf.${field}`, field, text, `${path}.protobuf`, depth);
        return shape;
      }
      shape.structure = 'binary';
      shape.opaque = bytes;
      return shape;
    }
    const text = bytes.toString('utf8');
    const trimmed = text.trim();
    const lead = trimmed.charCodeAt(0);
    if (lead === 123 || lead === 91) {
      const value = tryJson(trimmed);
      if (value !== undefined) {
        shape.structure = 'json';
        collector.value(`${path}.json`, '', value, `${path}.json`, depth);
        return shape;
      }
    }
    if (contentType.startsWith('multipart/') && depth === shape.layers.length) {
      const boundary = /boundary="?([^";]+)"?/i.exec(header(flow, 'content-type') ?? '')?.[1];
      if (boundary) {
        shape.structure = 'multipart';
        multipart(text, boundary, (name, content) =>
          collector.text(`${path}.multipart.${name}`, name, content, `${path}.multipart`, depth),
        );
        return shape;
      }
    }
    if (trimmed.length >= 16 && !trimmed.includes('=', 0) && hex.test(trimmed) && trimmed.length % 2 === 0) {
      shape.layers.push('hex');
      path = `${path}|hex`;
      bytes = Buffer.from(trimmed, 'hex');
      continue;
    }
    const encoding = trimmed.length >= 16 ? base64Encoding(trimmed) : undefined;
    if (encoding) {
      const decoded = Buffer.from(trimmed, encoding);
      if (decoded.length > 0) {
        shape.layers.push('base64');
        path = `${path}|base64`;
        bytes = decoded;
        continue;
      }
    }
    if (contentType.includes('x-www-form-urlencoded') || queryString.test(trimmed)) {
      shape.structure = 'form';
      collector.query(`${path}.form`, trimmed, depth);
      return shape;
    }
    if (percent.test(trimmed)) {
      const decoded = tryDecodeUri(trimmed);
      if (decoded !== undefined && decoded !== trimmed) {
        shape.layers.push('url');
        path = `${path}|url`;
        bytes = Buffer.from(decoded, 'utf8');
        continue;
      }
    }
    shape.structure = 'text';
    collector.text(`${path}.text`, '', text, path, depth);
    return shape;
  }
  shape.notes.push(`stopped after ${collector.maxDepth} layers`);
  shape.opaque = bytes;
  return shape;
}

const numeric = /^-?\d+(\.\d+)?$/;
const coordinatePair = /^(-?\d{1,3}\.\d+)\s*[,;| ]\s*(-?\d{1,3}\.\d+)$/;
const urlWithQuery = /^https?:\/\/[^?\s]+\?/i;
const jwt = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/;
const percent = /%[0-9a-fA-F]{2}/;
const queryString = /^[\w.$\-[\]]+=[^&=]*(&[\w.$\-[\]]+=[^&]*)+$/;
const hex = /^[0-9a-fA-F]+$/;
const exponentMark = /e/i;

/** Character classes of the base64 alphabets, for base64Encoding. */
const DIGIT = 1;
const LETTER = 2;
const PLUS_SLASH = 4;
const DASH_UNDERSCORE = 8;
const base64Class = new Uint8Array(128).map((_, c) =>
  c >= 48 && c <= 57
    ? DIGIT
    : (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      ? LETTER
      : c === 43 || c === 47
        ? PLUS_SLASH
        : c === 45 || c === 95
          ? DASH_UNDERSCORE
          : 0,
);

/**
 * The alphabet of a text that is base64 (`[A-Za-z0-9+/]+={0,2}`) or base64url (`[A-Za-z0-9_-]+`)
 * and not just a number (digits without padding), or undefined. One pass over the text (it runs
 * on every longer value).
 */
export function base64Encoding(text: string): 'base64' | 'base64url' | undefined {
  const length = text.length;
  let seen = 0;
  let i = 0;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    const cls = code < 128 ? base64Class[code]! : 0;
    if (cls === 0) break;
    seen |= cls;
  }
  if (i === 0 || (seen === DIGIT && i === length)) return undefined;
  if ((seen & PLUS_SLASH) !== 0 && (seen & DASH_UNDERSCORE) !== 0) return undefined;
  if (i < length) {
    // Only padding may follow, up to two '=', and only in the base64 alphabet.
    if ((seen & DASH_UNDERSCORE) !== 0 || length - i > 2) return undefined;
    for (; i < length; i++) if (text.charCodeAt(i) !== 61) return undefined;
  }
  return (seen & DASH_UNDERSCORE) !== 0 ? 'base64url' : 'base64';
}

function tryJson(text: string): unknown {
  return quietly(() => JSON.parse(text) as unknown, undefined);
}

function tryDecodeUri(text: string): string | undefined {
  return quietly(() => decodeURIComponent(text.replace(/\+/g, ' ')), undefined);
}

/** Runs a call that is expected to throw often, without paying for a stack trace each time. */
export function quietly<T>(call: () => T, fallback: T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } catch {
    return fallback;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function decompress(encoding: string, bytes: Buffer, maxOutputLength: number): Buffer {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return inflateWith('gzip', bytes, maxOutputLength);
    case 'br':
      return brotliDecompressSync(bytes, { maxOutputLength });
    case 'deflate':
      try {
        return inflateWith('zlib', bytes, maxOutputLength);
      } catch {
        return inflateWith('raw', bytes, maxOutputLength);
      }
    default:
      throw new Error(`unknown content-encoding ${encoding}`);
  }
}

/** gzip or zlib streams recognised by their magic bytes. */
function inflateKnown(bytes: Buffer, maxOutputLength: number): { layer: string; bytes: Buffer } | undefined {
  const layer = compressionMagic(bytes);
  if (layer === undefined) return undefined;
  return quietly(() => ({ layer, bytes: inflateWith(layer, bytes, maxOutputLength) }), undefined);
}

function compressionMagic(bytes: Buffer): 'gzip' | 'zlib' | undefined {
  if (bytes.length < 10) return undefined;
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x78 && (b0 * 256 + b1) % 31 === 0 && (b1 === 0x01 || b1 === 0x5e || b1 === 0x9c || b1 === 0xda)) return 'zlib';
  return undefined;
}

/**
 * Whether `Collector.bytes` could take anything from these bytes: a compressed stream, readable
 * text or protobuf-looking strings. False means it would add nothing.
 */
function bytesMayYield(bytes: Buffer): boolean {
  return compressionMagic(bytes) !== undefined || isReadable(bytes) || protobufStrings(bytes) !== undefined;
}

/** Base64 values up to this length are decoded into `scratch` first. */
const SCRATCH_CHARS = 256;
const scratch = Buffer.alloc((SCRATCH_CHARS * 3) / 4);
/** `scratch.subarray(0, n)` for every n, made once. */
const scratchViews = Array.from({ length: scratch.length + 1 }, (_, n) => scratch.subarray(0, n));
/** The 6-bit value of each character of both base64 alphabets, -1 for others (padding). */
const sextet = new Int8Array(128).fill(-1);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'].entries()) {
  sextet[char.charCodeAt(0)] = index;
}
sextet[43] = sextet[45] = 62; // '+', '-'
sextet[47] = sextet[95] = 63; // '/', '_'

/**
 * The bytes `Buffer.from(text, encoding)` gives for a text base64Encoding accepted (up to
 * SCRATCH_CHARS characters), as a view of the scratch buffer: every 6 bits in order, bits that
 * do not fill a last byte dropped, padding ignored. Valid until the next call.
 */
export function decodeToScratch(text: string): Buffer {
  let bits = 0;
  let buffer = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const value = sextet[text.charCodeAt(i)]!;
    if (value < 0) break;
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      scratch[n++] = buffer >> bits;
    }
  }
  return scratchViews[n]!;
}

function unknownCompression(bytes: Buffer): string | undefined {
  if (bytes.length < 4) return undefined;
  const magic = bytes.readUInt32BE(0);
  if (magic === 0x28b52ffd) return 'zstd';
  if (magic === 0x04224d18) return 'lz4';
  if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) return 'bzip2';
  if (magic === 0xfd377a58) return 'xz';
  return undefined;
}

/** Bytes that printableRatio looks at. */
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
 * Share of bytes that are printable ASCII, whitespace or part of valid UTF-8 sequences. The
 * protection report measures it on bytes that did not read as text, so single bytes are added
 * by their class without a branch (on binary, a branch on the class goes either way).
 */
export function printableRatio(bytes: Buffer): number {
  const length = Math.min(bytes.length, PRINTABLE_SAMPLE);
  if (length === 0) return 1;
  let good = 0;
  for (let i = 0; i < length; i++) {
    const cls = byteClass[bytes[i]!]!;
    if (cls < 2) {
      good += cls;
      continue;
    }
    if (continues(bytes, i, cls - 1)) {
      good += cls;
      i += cls - 1;
    }
  }
  return good / length;
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

/**
 * The printable strings of a buffer that parses completely as protobuf wire format,
 * keyed by field path (`1.3`); undefined when it is not protobuf-looking.
 */
export function protobufStrings(bytes: Buffer, prefix = '', depth = 0): Array<[string, string]> | undefined {
  if (bytes.length < 2 || depth > 3) return undefined;
  const out: Array<[string, string]> = [];
  let offset = 0;
  let fields = 0;
  while (offset < bytes.length) {
    const tag = readVarint(bytes, offset);
    if (tag < 0) return undefined;
    offset = varintEnd;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field < 1 || field > 536_870_911) return undefined;
    fields++;
    if (wire === 0) {
      if (readVarint(bytes, offset) < 0) return undefined;
      offset = varintEnd;
    } else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else if (wire === 2) {
      const length = readVarint(bytes, offset);
      if (length < 0 || varintEnd + length > bytes.length) return undefined;
      const chunk = bytes.subarray(varintEnd, varintEnd + length);
      offset = varintEnd + length;
      const name = prefix ? `${prefix}.${field}` : String(field);
      const nested = chunk.length >= 2 && hasControlBytes(chunk) ? protobufStrings(chunk, name, depth + 1) : undefined;
      if (nested) out.push(...nested);
      else if (chunk.length > 0 && isReadable(chunk)) out.push([name, chunk.toString('utf8')]);
    } else return undefined;
    if (offset > bytes.length) return undefined;
  }
  return fields >= 2 || out.length > 0 ? out : undefined;
}

function hasControlBytes(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x20 && bytes[i] !== 0x09 && bytes[i] !== 0x0d) return true;
  return false;
}

/** Where the varint last read by readVarint ended (a result object per varint would cost an allocation). */
let varintEnd = 0;

/** The varint at `offset`, its end in `varintEnd`; -1 when the bytes end first or it runs past 10 bytes. */
function readVarint(bytes: Buffer, offset: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 10 && offset + i < bytes.length; i++) {
    const byte = bytes[offset + i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      varintEnd = offset + i + 1;
      return value;
    }
    multiplier *= 128;
  }
  return -1;
}

function multipart(text: string, boundary: string, onPart: (name: string, content: string) => void): void {
  const parts = text.split(`--${boundary}`);
  let index = 0;
  for (const part of parts) {
    const split = part.indexOf('\r\n\r\n') >= 0 ? part.indexOf('\r\n\r\n') : part.indexOf('\n\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part
      .slice(split)
      .replace(/^\r?\n\r?\n/, '')
      .replace(/\r?\n$/, '');
    const name = /name="([^"]*)"/i.exec(head)?.[1] ?? String(index);
    index++;
    onPart(name, content);
  }
}
