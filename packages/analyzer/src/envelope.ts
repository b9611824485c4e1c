import type { EnvelopeShape, ProtectionEnvelope } from '@conformance/core';
import { base64Encoding, type BinaryField, type DecodedFlow } from './decode.js';

/**
 * Field-level encryption: a readable container (JSON, form, text) whose fields carry ciphertext.
 * A field is ciphertext-like when it decodes (base64, base64url, hex) to at least 32 bytes with
 * an entropy of at least 0.85 of the ceiling for that many bytes, and to neither readable text,
 * a compressed stream nor protobuf (the decoder measures it, `BinaryField`). The envelope is:
 * - `jwe-compact`: a JWE in compact serialization (its protected header names an `enc`);
 * - `jwe-json`: an object with `protected` and `ciphertext` (JWE JSON serialization);
 * - `iv-ct-tag`: an object with an `iv`/`nonce` and the ciphertext under `ct`, `ciphertext`,
 *   `data`, `payload`, `encrypted`, … (usually with `tag`, `ek`/`key`/`wrapped_key`, `kid`);
 * - `binary-fields`: ciphertext-like fields with no named shape.
 * The payload is encrypted only when the envelope makes up most of it: half of its text for a
 * named shape, two thirds (and 48 bytes of ciphertext) for unnamed binary fields, so a session
 * token or a hash inside an ordinary readable event does not make the event "encrypted".
 */
export const ENVELOPE_SHARE_NAMED = 0.5;
export const ENVELOPE_SHARE_UNNAMED = 2 / 3;
export const ENVELOPE_MIN_UNNAMED_BYTES = 48;

const ciphertextKeys = new Set([
  'ct',
  'ciphertext',
  'cipher',
  'ciphertext_b64',
  'data',
  'payload',
  'encrypted',
  'enc',
  'c',
  'body',
  'content',
  'value',
  'encrypted_data',
  'encrypteddata',
  'encryptedpayload',
  'encrypted_payload',
]);
const ivKeys = new Set(['iv', 'nonce', 'initialization_vector']);
/** Field names without which no named shape can match (JWE compact aside). */
const shapeKeys = new Set([...ivKeys, 'protected']);

/** Whether a field name is one of shapeKeys, in any case (cheap tests first: this runs on every leaf). */
function mayNameShape(key: string): boolean {
  const length = key.length;
  if (length < 2 || length > 21) return false;
  const first = key.charCodeAt(0) | 0x20;
  return (first === 105 || first === 110 || first === 112) && shapeKeys.has(key.toLowerCase()); // i, n, p
}

export interface EnvelopeFinding {
  envelope: ProtectionEnvelope;
  /** The envelope makes up enough of the payload to call the payload encrypted. */
  encrypting: boolean;
}

/**
 * The envelope of a decoded flow's payload, if ciphertext-like fields were found in it;
 * `personalPaths` are the places where readable personal data was found.
 */
export function findEnvelope(decoded: DecodedFlow, personalPaths: readonly string[]): EnvelopeFinding | undefined {
  const subject = decoded.body.subject;
  if (subject === 'none' || decoded.binaries.length === 0) return undefined;
  const fields = decoded.binaries.filter((field) => field.path.startsWith(subject));
  if (fields.length === 0) return undefined;
  let binaryBytes = 0;
  let binaryChars = 0;
  for (const field of fields) {
    binaryBytes += field.bytes;
    binaryChars += field.chars;
  }
  const textLength = Math.max(decoded.body.textLength, 1);
  // A named shape needs a JWE, or an iv/nonce or a JWE protected header among the fields. Most
  // payloads with random-looking fields (hashes, tokens) have none and too little of them to be
  // an envelope: they are not looked at further (and get no envelope in their report).
  const named = fields.some((field) => field.jwe) || decoded.leaves.some((leaf) => mayNameShape(leaf.key));
  if (!named && (binaryChars / textLength < ENVELOPE_SHARE_UNNAMED || binaryBytes < ENVELOPE_MIN_UNNAMED_BYTES)) return undefined;
  let shape: EnvelopeShape = 'binary-fields';
  let envelopeChars = 0;
  const counted = new Set<string>();
  for (const field of named ? fields : []) {
    const fieldShape = namedShape(field, decoded);
    if (fieldShape) {
      if (shape === 'binary-fields' || fieldShape === 'jwe-compact') shape = fieldShape;
      const parent = fieldShape === 'jwe-compact' ? field.leaf : parentOf(field.leaf);
      if (counted.has(parent)) continue;
      counted.add(parent);
      envelopeChars += charsUnder(decoded, parent);
    }
  }
  if (shape === 'binary-fields') envelopeChars = binaryChars;
  const share = Math.min(1, envelopeChars / textLength);
  const encrypting =
    shape === 'binary-fields'
      ? share >= ENVELOPE_SHARE_UNNAMED && binaryBytes >= ENVELOPE_MIN_UNNAMED_BYTES
      : share >= ENVELOPE_SHARE_NAMED;
  const cleartextLeaves = [
    ...new Set(personalPaths.filter((path) => path.startsWith(subject) && !fields.some((field) => path.startsWith(field.path)))),
  ].sort();
  return {
    envelope: {
      shape,
      fields: fields.map((field) => ({ path: field.path, bytes: field.bytes, entropy: field.entropy, ceiling: field.ceiling })),
      share: Math.round(share * 1000) / 1000,
      cleartextLeaves,
    },
    encrypting,
  };
}

function namedShape(field: BinaryField, decoded: DecodedFlow): EnvelopeShape | undefined {
  if (field.jwe) return 'jwe-compact';
  const key = field.key.toLowerCase();
  const parent = parentOf(field.leaf);
  const siblings = new Set<string>();
  /** Text of the sibling fields that are plain values (not objects or arrays). */
  const values = new Map<string, string>();
  const prefix = `${parent}.`;
  for (const leaf of decoded.leaves) {
    if (leaf.path.length > prefix.length && leaf.path.startsWith(prefix)) {
      const rest = leaf.path.slice(prefix.length);
      const end = rest.search(/[.[|]/);
      const name = (end < 0 ? rest : rest.slice(0, end)).toLowerCase();
      siblings.add(name);
      if (end < 0) values.set(name, leaf.text);
    }
  }
  if (siblings.has('protected') && siblings.has('ciphertext')) return 'jwe-json';
  // An iv (base64 or hex of 8–32 bytes) beside the ciphertext field, or beside a wrapped key and
  // a ciphertext that is base64 or hex too (a short ciphertext is not measured as binary).
  const iv = [...ivKeys].some((name) => {
    const text = values.get(name);
    return (
      text !== undefined && text.length >= 11 && text.length <= 64 && (hexText.test(text) || base64Encoding(text) !== undefined)
    );
  });
  if (!iv) return undefined;
  if (ciphertextKeys.has(key)) return 'iv-ct-tag';
  const ciphertext = [...ciphertextKeys].some((name) => {
    const text = values.get(name);
    return text !== undefined && text.length >= 8 && (hexText.test(text) || base64Encoding(text) !== undefined);
  });
  return ciphertext ? 'iv-ct-tag' : undefined;
}

const hexText = /^[0-9a-fA-F]+$/;

/** The path of the object that holds a leaf: `body.json.enc.ct` → `body.json.enc`. */
function parentOf(path: string): string {
  const stripped = path.replace(/(\[\d+\])+$/, '');
  const dot = stripped.lastIndexOf('.');
  return dot < 0 ? stripped : stripped.slice(0, dot);
}

/** Characters of the text leaves at or below a path (decoded inner leaves, after a `|`, not counted again). */
function charsUnder(decoded: DecodedFlow, path: string): number {
  let chars = 0;
  for (const leaf of decoded.leaves) {
    if (
      leaf.path === path ||
      (leaf.path.startsWith(path) && (leaf.path[path.length] === '.' || leaf.path[path.length] === '['))
    ) {
      if (leaf.path.indexOf('|', path.length) < 0) chars += leaf.text.length;
    }
  }
  return chars;
}
