import { brotliDecompressSync } from 'node:zlib';
import type { FlowRecord } from '@conformance/core';
import { entropyCeiling, entropyOfFew, RANDOM_SHARE } from './entropy.js';
import { lzAlphabet, lzSignature, lzStringText } from './lz.js';
import { protobufStrings } from './protobuf.js';
import { quietly } from './quietly.js';
import { isReadable } from './readable.js';
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

/**
 * A field whose decoded bytes look like ciphertext: at least 32 bytes (16 for a JWE's ciphertext),
 * entropy at least 0.85 of the ceiling for its length, neither readable text, nor a compressed
 * stream, nor protobuf.
 */
export interface BinaryField {
  /** Path of the decoded bytes (`body.json.ct|base64`). */
  path: string;
  /** Path of the text leaf that held them. */
  leaf: string;
  key: string;
  bytes: number;
  /** Characters of the encoded form. */
  chars: number;
  entropy: number;
  ceiling: number;
  /** The field is the ciphertext of a JWE in compact serialization. */
  jwe?: boolean;
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
  /** Characters of the readable form (JSON, form, multipart or plain text), 0 when not readable. */
  textLength: number;
  /** The field that carries the payload under an encoding layer (`body.form.data`), when one does. */
  encodedField?: string;
}

export interface DecodedFlow {
  leaves: Leaf[];
  numbers: NumericField[];
  arrays: StringArray[];
  /** Ciphertext-looking fields (field-level encryption), in decoding order. */
  binaries: BinaryField[];
  body: BodyShape;
}

export interface DecodeOptions {
  /** How many nested layers (base64 in JSON in base64 …) to peel; default 4. */
  maxDepth?: number;
  /** Largest decompressed size accepted (zip-bomb guard); default 8 MiB. */
  maxInflated?: number;
}

/**
 * Limits that hold whatever a flow contains (stated in the README): decompression stops at
 * `maxInflated` per stream and at DECODE_LIMITS.inflatedPerFlow in all of a flow; object and
 * array nesting is followed 64 levels deep; a flow yields at most 100,000 leaves; a text longer
 * than 8 MiB is kept as it is, not peeled; multipart bodies give at most 1,000 parts; LZ-string
 * is tried on at most 8 KiB of text (its output can grow with the square of its input);
 * newline-delimited JSON is read as records up to 10,000 lines.
 */
export const DECODE_LIMITS = {
  inflatedPerFlow: 32 * 1024 * 1024,
  nesting: 64,
  leaves: 100_000,
  peeledChars: 8 * 1024 * 1024,
  multipartParts: 1_000,
  lzChars: 8 * 1024,
  ndjsonRecords: 10_000,
} as const;

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

class Collector {
  readonly leaves: Leaf[] = [];
  readonly numbers: NumericField[] = [];
  readonly arrays: StringArray[] = [];
  readonly binaries: BinaryField[] = [];
  /** Decompressed bytes this flow may still produce. */
  inflateBudget: number = DECODE_LIMITS.inflatedPerFlow;
  /** The flow said its payload is LZ-string compressed (`compression=lz64`). */
  lzMarked = false;
  constructor(
    readonly maxDepth: number,
    readonly maxInflated: number,
  ) {}

  /** The largest stream the next decompression may produce. */
  inflateLimit(): number {
    return Math.max(0, Math.min(this.maxInflated, this.inflateBudget));
  }

  inflated(bytes: Buffer): Buffer {
    this.inflateBudget -= bytes.length;
    return bytes;
  }

  /** A text value: keep it, then try every layer it may hide. */
  text(path: string, key: string, text: string, parent: string, depth: number): void {
    if (this.leaves.length >= DECODE_LIMITS.leaves) return;
    this.leaves.push({ path, key, text });
    const length = text.length;
    if (length === 0 || length > DECODE_LIMITS.peeledChars) return;
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
    if (lead === 101 && jweCompact.test(trimmed) && this.jwe(path, key, trimmed)) return;
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
    if (length >= 16 && (lead === 78 || this.lzMarked) && lzAlphabet.test(trimmed) && this.lz(path, key, trimmed, parent, depth))
      return;
    if (length >= 12) {
      if (length % 2 === 0 && hex.test(trimmed)) {
        const bytes = Buffer.from(trimmed, 'hex');
        this.bytes(`${path}|hex`, key, bytes, parent, depth + 1);
        return;
      }
      const encoding = base64Encoding(trimmed);
      if (encoding) {
        if (length > SCRATCH_CHARS)
          return this.bytes(`${path}|base64`, key, Buffer.from(trimmed, encoding), parent, depth + 1, path, length);
        // Most short base64-looking values are ids whose bytes hold nothing: those are decoded
        // into scratch space and dropped there, without a buffer of their own.
        const view = decodeToScratch(trimmed);
        if (bytesMayYield(view)) {
          // A real base64 layer decodes to about 3/4 of its length; random words do not survive the printable test below.
          return this.bytes(`${path}|base64`, key, Buffer.from(trimmed, encoding), parent, depth + 1, path, length);
        }
        if (view.length >= 32) this.binary(`${path}|base64`, path, key, view, length);
      }
    }
  }

  /** An LZ-string payload (`compressToBase64` or `compressToEncodedURIComponent`) that decompresses to readable text. */
  lz(path: string, key: string, text: string, parent: string, depth: number): boolean {
    if (text.length > DECODE_LIMITS.lzChars) return false;
    const inner = lzStringText(text);
    if (inner === undefined) return false;
    this.text(`${path}|lz-string`, key, inner, parent, depth + 1);
    return true;
  }

  /** A JWE in compact serialization: its protected header is read, its ciphertext measured. */
  jwe(path: string, key: string, token: string): boolean {
    const parts = token.split('.');
    const header = tryJson(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown> | undefined;
    if (!header || typeof header !== 'object' || typeof header.enc !== 'string') return false;
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    if (ciphertext.length >= 16) this.binary(`${path}|jwe.ciphertext`, path, key, ciphertext, token.length, true);
    this.value(`${path}|jwe.header`, key, header, path, this.maxDepth);
    return true;
  }

  /** Bytes that neither read as text nor decompress: kept as a ciphertext candidate when they look random. */
  binary(path: string, leaf: string, key: string, bytes: Buffer, chars: number, jwe = false): void {
    const ceiling = entropyCeiling(bytes.length);
    const bits = entropyOfFew(bytes.length > 1024 ? bytes.subarray(0, 1024) : bytes);
    if (bits < RANDOM_SHARE * Math.min(ceiling, entropyCeiling(1024))) return;
    this.binaries.push({
      path,
      leaf,
      key,
      bytes: bytes.length,
      chars,
      entropy: Math.round(bits * 1000) / 1000,
      ceiling: Math.round(ceiling * 1000) / 1000,
    });
    if (jwe) this.binaries[this.binaries.length - 1]!.jwe = true;
  }

  /**
   * Bytes out of a layer: decompress, keep readable text, look into protobuf; random-looking
   * bytes of at least 32 are kept as a ciphertext candidate; the rest is dropped.
   */
  bytes(path: string, key: string, bytes: Buffer, parent: string, depth: number, leaf = parent, chars = 0): void {
    const inflated = inflateKnown(bytes, this.inflateLimit());
    if (inflated) {
      path = `${path}|${inflated.layer}`;
      bytes = this.inflated(inflated.bytes);
    }
    if (isReadable(bytes)) {
      this.text(path, key, bytes.toString('utf8'), parent, depth);
      return;
    }
    const strings = protobufStrings(bytes);
    if (strings) for (const [field, text] of strings) this.text(`${path}|protobuf.${field}`, field, text, path, depth);
    else if (!inflated && bytes.length >= 32) this.binary(path, leaf, key, bytes, chars || bytes.length * 2);
  }

  value(path: string, key: string, value: unknown, parent: string, depth: number, nesting = 0): void {
    if (typeof value === 'string') return this.text(path, key, value, parent, depth);
    if (typeof value === 'number') {
      if (this.leaves.length >= DECODE_LIMITS.leaves) return;
      const text = numberText(value);
      this.leaves.push({ path, key, text });
      this.number(path, key, parent, value, text);
      return;
    }
    if (value === null || typeof value !== 'object' || nesting >= DECODE_LIMITS.nesting) return;
    if (Array.isArray(value)) {
      let strings = value.length > 0;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item !== 'string') strings = false;
        this.value(path + indexSuffix(i), key, item, parent, depth, nesting + 1);
      }
      if (strings) this.arrays.push({ path, key, values: value as string[] });
      return;
    }
    for (const name in value) {
      this.value(path + dotted(name), name, (value as Record<string, unknown>)[name], path, depth, nesting + 1);
    }
  }

  /** Name and length of the longest value of the last query() call. */
  largestName = '';
  largestLength = 0;

  query(path: string, query: string, depth: number): void {
    this.largestName = '';
    this.largestLength = 0;
    for (const [name, value] of formPairs(query)) {
      if (value.length > this.largestLength) {
        this.largestLength = value.length;
        this.largestName = name;
      }
      this.text(`${path}.${name}`, name, value, path, depth);
    }
  }

  number(path: string, key: string, parent: string, value: number, text: string): void {
    if (!Number.isFinite(value)) return;
    // An integer below 10^21 is written without a point or an exponent.
    if (Number.isInteger(value) && Math.abs(value) < 1e21) {
      this.numbers.push({ path, key, parent, value, decimals: 0 });
      return;
    }
    const dot = text.indexOf('.');
    const exponent = text.includes('e') || text.includes('E');
    this.numbers.push({ path, key, parent, value, decimals: dot < 0 || exponent ? 0 : text.length - dot - 1 });
  }
}

/** `[0]` to `[63]`, made once: array items are the most frequent path steps. */
const indexSuffixes = Array.from({ length: 64 }, (_, i) => `[${i}]`);

/** `[i]` for a path. */
function indexSuffix(i: number): string {
  return i < 64 ? indexSuffixes[i]! : `[${i}]`;
}

/**
 * `.name` for a path, from a bounded cache: field names repeat across the leaves and flows of a
 * capture, and a path built from one string instead of two makes one string instead of two.
 */
const dottedNames = new Map<string, string>();

function dotted(name: string): string {
  let step = dottedNames.get(name);
  if (step === undefined) {
    step = `.${name}`;
    if (dottedNames.size >= 10_000) dottedNames.clear();
    if (name.length <= 64) dottedNames.set(name, step);
  }
  return step;
}

/** Decodes every part of one flow into leaves. Pure; never throws on bad input. */
export function decodeFlow(flow: FlowRecord, options: DecodeOptions = {}): DecodedFlow {
  const collector = new Collector(options.maxDepth ?? 4, options.maxInflated ?? 8 * 1024 * 1024);
  const questionMark = flow.path.indexOf('?');
  const pathname = questionMark < 0 ? flow.path : flow.path.slice(0, questionMark);
  const search = questionMark < 0 ? '' : flow.path.slice(questionMark + 1);
  const hint = search.includes('compression=') ? compressionHint(search) : undefined;
  if (hint === 'lz-string') collector.lzMarked = true;
  // The segments of `pathname.split('/')`, by index, without the array and a closure per flow.
  for (let start = 0, index = 0; start <= pathname.length; index++) {
    let end = pathname.indexOf('/', start);
    if (end < 0) end = pathname.length;
    if (end - start >= 6) {
      const segment = pathname.slice(start, end);
      const decoded = tryDecodeUri(segment) ?? segment;
      collector.text(`path[${index}]`, '', decoded, 'path', 0);
    }
    start = end + 1;
  }
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
  const body = decodeBody(flow, collector, search, hint);
  return { leaves: collector.leaves, numbers: collector.numbers, arrays: collector.arrays, binaries: collector.binaries, body };
}

/**
 * What a `compression=` query parameter says about the body (PostHog's `gzip-js`, `base64`,
 * `lz64`, …): the body carries no Content-Encoding then.
 */
function compressionHint(search: string): 'gzip' | 'deflate' | 'base64' | 'lz-string' | undefined {
  const value = (new URLSearchParams(search).get('compression') ?? '').toLowerCase();
  if (value.startsWith('gzip')) return 'gzip';
  if (value.startsWith('deflate') || value === 'zlib') return 'deflate';
  if (value === 'base64' || value === 'b64') return 'base64';
  if (value.startsWith('lz')) return 'lz-string';
  return undefined;
}

function decodeBody(flow: FlowRecord, collector: Collector, search: string, hint: ReturnType<typeof compressionHint>): BodyShape {
  const raw = bodyBytes(flow.body);
  if (raw.length === 0) {
    return {
      subject: search ? 'query' : 'none',
      size: Buffer.byteLength(search),
      layers: search ? ['query'] : [],
      structure: search ? 'form' : 'none',
      opaque: null,
      notes: search ? ['no body: the query string is the payload'] : ['no body and no query string'],
      textLength: search.length,
    };
  }
  const shape: BodyShape = {
    subject: 'body',
    size: raw.length,
    layers: [],
    structure: 'binary',
    opaque: null,
    notes: [],
    textLength: 0,
  };
  const contentType = (header(flow, 'content-type') ?? '').toLowerCase();
  let bytes = raw;
  const contentEncoding = (header(flow, 'content-encoding') ?? '').toLowerCase().trim();
  if (contentEncoding && contentEncoding !== 'identity') {
    try {
      bytes = collector.inflated(decompress(contentEncoding, bytes, collector.inflateLimit()));
      shape.layers.push(contentEncoding);
    } catch {
      shape.notes.push(`content-encoding ${contentEncoding} did not decode`);
      shape.opaque = raw;
      return shape;
    }
  } else if (hint === 'deflate' && compressionMagic(bytes) === undefined) {
    // Marked deflate without zlib's header: a raw deflate stream.
    const inflated = quietly(() => inflateWith('raw', bytes, collector.inflateLimit()), undefined);
    if (inflated) {
      bytes = collector.inflated(inflated);
      shape.layers.push('deflate');
      shape.notes.push('raw deflate, marked by the compression query parameter');
    }
  }
  if (hint === 'gzip' || hint === 'base64') shape.notes.push(`the query parameter compression says ${hint}`);
  let path = 'body';
  for (let depth = 0; depth <= collector.maxDepth; depth++) {
    const inflated = inflateKnown(bytes, collector.inflateLimit());
    if (inflated) {
      shape.layers.push(inflated.layer);
      path = `${path}|${inflated.layer}`;
      bytes = collector.inflated(inflated.bytes);
      continue;
    }
    const compression = unknownCompression(bytes);
    if (compression) {
      shape.structure = 'compressed';
      shape.opaque = bytes;
      shape.notes.push(`${compression} stream (not decoded)`);
      return shape;
    }
    if (contentType.startsWith('multipart/') && depth === shape.layers.length) {
      const boundary = /boundary="?([^";]+)"?/i.exec(header(flow, 'content-type') ?? '')?.[1];
      if (
        boundary &&
        multipart(bytes, boundary, (name, content) =>
          collector.bytes(`${path}.multipart.${name}`, name, content, `${path}.multipart`, depth),
        )
      ) {
        shape.structure = 'multipart';
        shape.textLength = bytes.length;
        return shape;
      }
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
    const trimmed = text.length > DECODE_LIMITS.peeledChars ? text : text.trim();
    const lead = trimmed.charCodeAt(0);
    if (lead === 123 || lead === 91) {
      const value = tryJson(trimmed);
      if (value !== undefined) {
        shape.structure = 'json';
        shape.textLength = trimmed.length;
        const first = collector.leaves.length;
        collector.value(`${path}.json`, '', value, `${path}.json`, depth);
        encodedPayload(collector, first, shape);
        return shape;
      }
      // Newline-delimited JSON (batches of events, error-report envelopes): every line a record.
      const records = ndjson(trimmed);
      if (records) {
        shape.structure = 'json';
        shape.textLength = trimmed.length;
        shape.notes.push(`newline-delimited JSON, ${records.length} record(s)`);
        for (const [index, record] of records.entries()) {
          collector.value(`${path}.ndjson[${index}]`, '', record, `${path}.ndjson`, depth);
        }
        return shape;
      }
    }
    if (trimmed.length >= 16 && !trimmed.includes('=', 0) && hex.test(trimmed) && trimmed.length % 2 === 0) {
      shape.layers.push('hex');
      path = `${path}|hex`;
      bytes = Buffer.from(trimmed, 'hex');
      continue;
    }
    if (
      trimmed.length >= 16 &&
      (lzSignature(trimmed) || hint === 'lz-string') &&
      trimmed.length <= DECODE_LIMITS.lzChars &&
      lzAlphabet.test(trimmed)
    ) {
      const inner = lzStringText(trimmed);
      if (inner !== undefined) {
        shape.layers.push('lz-string');
        path = `${path}|lz-string`;
        bytes = Buffer.from(inner, 'utf8');
        continue;
      }
    }
    // Read from the bytes when the text is them one for one (ASCII, nothing trimmed).
    const encoding =
      trimmed.length < 16 ? undefined : trimmed.length === bytes.length ? base64EncodingOfBytes(bytes) : base64Encoding(trimmed);
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
      shape.textLength = trimmed.length;
      const first = collector.leaves.length;
      collector.query(`${path}.form`, trimmed, depth);
      encodedPayload(collector, first, shape);
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
    shape.textLength = text.length;
    collector.text(`${path}.text`, '', text, path, depth);
    return shape;
  }
  shape.notes.push(`stopped after ${collector.maxDepth} layers`);
  shape.opaque = bytes;
  return shape;
}

/** Layers that encode without a key: a payload carried under one of them is encoded, not clear. */
const encodingLayers = ['|base64', '|hex', '|lz-string'] as const;

/**
 * A readable container (JSON, form) whose payload is one field under an encoding layer
 * (`data=<base64 JSON>`, `{"data":"<LZ-string>"}`): the field's layer is the payload's.
 * The field must hold at least half of the container's text and decode to something readable.
 */
function encodedPayload(collector: Collector, first: number, shape: BodyShape): void {
  const leaves = collector.leaves;
  const half = shape.textLength / 2;
  for (let i = first; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    if (leaf.text.length < half) continue;
    for (const layer of encodingLayers) {
      const prefix = `${leaf.path}${layer}`;
      for (let j = i + 1; j < leaves.length; j++) {
        if (!leaves[j]!.path.startsWith(prefix)) continue;
        shape.layers.push(layer.slice(1));
        shape.notes.push(`the payload is field ${leaf.path.slice(leaf.path.indexOf('.') + 1)}, under ${layer.slice(1)}`);
        shape.encodedField = leaf.path;
        return;
      }
    }
  }
}

const numeric = /^-?\d+(\.\d+)?$/;
const coordinatePair = /^(-?\d{1,3}\.\d+)\s*[,;| ]\s*(-?\d{1,3}\.\d+)$/;
const urlWithQuery = /^https?:\/\/[^?\s]+\?/i;
const jwt = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/;
const jweCompact = /^eyJ[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]*$/;
const percent = /%[0-9a-fA-F]{2}/;
const queryString = /^[\w.$\-[\]]+=[^&=]*(&[\w.$\-[\]]+=[^&]*)+$/;
const hex = /^[0-9a-fA-F]+$/;

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
  return base64Verdict(seen, i, length, text.charCodeAt(i), text.charCodeAt(i + 1));
}

/**
 * `base64Encoding(bytes.toString('latin1'))`: the same answer read from the bytes of a body,
 * without a pass over its string (a base64 body is its largest text).
 */
export function base64EncodingOfBytes(bytes: Uint8Array): 'base64' | 'base64url' | undefined {
  const length = bytes.length;
  let seen = 0;
  let i = 0;
  for (; i < length; i++) {
    const code = bytes[i]!;
    const cls = code < 128 ? base64Class[code]! : 0;
    if (cls === 0) break;
    seen |= cls;
  }
  return base64Verdict(seen, i, length, bytes[i] ?? NaN, bytes[i + 1] ?? NaN);
}

/**
 * The answer of base64Encoding once the alphabet run is read: `seen` its classes, `end` where it
 * stopped, `first` and `second` the codes at `end` and after (NaN past the text). Only padding
 * may follow the run, up to two '=', and only in the base64 alphabet.
 */
function base64Verdict(
  seen: number,
  end: number,
  length: number,
  first: number,
  second: number,
): 'base64' | 'base64url' | undefined {
  if (end === 0 || (seen === DIGIT && end === length)) return undefined;
  if ((seen & PLUS_SLASH) !== 0 && (seen & DASH_UNDERSCORE) !== 0) return undefined;
  if (end < length) {
    if ((seen & DASH_UNDERSCORE) !== 0 || length - end > 2) return undefined;
    if (first !== 61 || (length - end === 2 && second !== 61)) return undefined;
  }
  return (seen & DASH_UNDERSCORE) !== 0 ? 'base64url' : 'base64';
}

/**
 * The records of a newline-delimited JSON text: every non-empty line an object or array, at
 * least two of them, at most DECODE_LIMITS.ndjsonRecords; undefined for anything else.
 */
function ndjson(text: string): unknown[] | undefined {
  if (!text.includes('\n')) return undefined;
  const lines = text.split('\n');
  if (lines.length > DECODE_LIMITS.ndjsonRecords) return undefined;
  const records: unknown[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const lead = trimmed.charCodeAt(0);
    if (lead !== 123 && lead !== 91) return undefined;
    const record = tryJson(trimmed);
    if (record === undefined) return undefined;
    records.push(record);
  }
  return records.length >= 2 ? records : undefined;
}

/**
 * The name/value pairs of a query string, exactly as `new URLSearchParams(query)` gives them
 * (a leading `?` dropped, empty pairs skipped, `+` read as a space, percent-encoding decoded),
 * without its per-character loop: a query or form body is cut at `&` and `=` with `indexOf`, and
 * only fields with a `%` are decoded. Whatever this cannot read the same way for certain (lone
 * surrogates, an invalid escape, bytes that are not UTF-8) goes to URLSearchParams whole.
 */
export function formPairs(query: string): Array<[string, string]> {
  if (!(query as unknown as { isWellFormed(): boolean }).isWellFormed()) return [...new URLSearchParams(query)];
  const pairs: Array<[string, string]> = [];
  const length = query.length;
  let start = query.charCodeAt(0) === 63 ? 1 : 0; // '?'
  while (start < length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = length;
    if (end > start) {
      let eq = query.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      const name = formField(query, start, eq);
      const value = eq < end ? formField(query, eq + 1, end) : '';
      if (name === undefined || value === undefined) return [...new URLSearchParams(query)];
      pairs.push([name, value]);
    }
    start = end + 1;
  }
  return pairs;
}

/** One name or value of formPairs, or undefined when only URLSearchParams can say what it is. */
function formField(query: string, start: number, end: number): string | undefined {
  let text = query.slice(start, end);
  if (text.includes('+')) text = text.replace(/\+/g, ' ');
  if (!text.includes('%')) return text;
  if (!percent.test(text)) return undefined;
  return tryDecodeUriComponent(text);
}

function tryDecodeUriComponent(text: string): string | undefined {
  return quietly(() => decodeURIComponent(text), undefined);
}

/** `JSON.parse`, or undefined (as `quietly` does, without a closure: this runs for every body and JSON-looking text). */
function tryJson(text: string): unknown {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * `String(value)`. The integers from 10^8 up (timestamps, numeric ids: most numbers of most
 * payloads) are written from two small integers, which V8 converts much faster than a large one.
 */
export function numberText(value: number): string {
  if (value >= 1e8 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) {
    const high = Math.floor(value / 1e8);
    const low = value - high * 1e8;
    if (low >= 0 && low < 1e8) return `${high}${String(low + 1e8).slice(1)}`;
  }
  return String(value);
}

function tryDecodeUri(text: string): string | undefined {
  return quietly(() => decodeURIComponent(text.replace(/\+/g, ' ')), undefined);
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

/**
 * The parts of a multipart body, as bytes (a part may be a gzip or protobuf Blob); false when
 * the boundary is not there. At most DECODE_LIMITS.multipartParts parts.
 */
function multipart(bytes: Buffer, boundary: string, onPart: (name: string, content: Buffer) => void): boolean {
  const marker = Buffer.from(`--${boundary}`, 'latin1');
  let at = bytes.indexOf(marker);
  if (at < 0) return false;
  let index = 0;
  while (at >= 0 && index < DECODE_LIMITS.multipartParts) {
    const start = at + marker.length;
    const next = bytes.indexOf(marker, start);
    const part = bytes.subarray(start, next < 0 ? bytes.length : next);
    at = next;
    const crlf = part.indexOf('\r\n\r\n');
    const split = crlf >= 0 ? crlf : part.indexOf('\n\n');
    if (split < 0) continue;
    const head = part.subarray(0, split).toString('latin1');
    let content = part.subarray(split + (crlf >= 0 ? 4 : 2));
    if (content.length > 0 && content[content.length - 1] === 0x0a) content = content.subarray(0, content.length - 1);
    if (content.length > 0 && content[content.length - 1] === 0x0d) content = content.subarray(0, content.length - 1);
    const name = /name="([^"]*)"/i.exec(head)?.[1] ?? String(index);
    index++;
    onPart(name, content);
  }
  return true;
}
