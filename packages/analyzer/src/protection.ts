import type { ProtectionReport } from '@conformance/core';
import type { BodyShape } from './decode.js';
import type { EnvelopeFinding } from './envelope.js';
import { printableRatioCounting } from './readable.js';
import { entropyCeiling, entropyOfCounts, RANDOM_SHARE } from './entropy.js';

export { entropy } from './entropy.js';
import { deflatedLength, inflatesRawBeyond } from './zlib-engine.js';

/** Bytes sampled for the compression and raw-deflate tests (enough to tell, cheap on large bodies). */
const SAMPLE = 4096;

/** The byte counts of the payload being classified (filled by printableRatioCounting). */
const opaqueCounts = new Uint32Array(256);

/** A raw deflate stream has no magic bytes: try to inflate its start (a sync flush tolerates the cut). */
function inflatesRaw(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, SAMPLE);
  if (rawDeflateRejected(sample)) return false;
  return inflatesRawBeyond(sample, sample.length, 16 * SAMPLE);
}

/**
 * Whether zlib would certainly reject `bytes` as raw deflate on its first block header
 * (the checks of zlib's inflate.c and inftrees.c, in their order): a reserved block type,
 * a stored block whose length is not followed by its complement, a dynamic block declaring
 * too many symbols or whose code-length code is over-subscribed or incomplete. Random bytes
 * fail here about three times in four, without the cost of a zlib stream and an error.
 * False means "zlib has to decide", never "it is deflate".
 */
export function rawDeflateRejected(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  let bit = 0;
  const read = (count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++, bit++) value |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << i;
    return value;
  };
  read(1); // BFINAL
  const type = read(2);
  if (type === 3) return true; // invalid block type
  if (type === 0) {
    const at = 1; // the stored header starts at the next byte boundary (3 bits read)
    const length = bytes[at]! | (bytes[at + 1]! << 8);
    const complement = bytes[at + 2]! | (bytes[at + 3]! << 8);
    return length !== (~complement & 0xffff); // invalid stored block lengths
  }
  if (type === 1) return false;
  const literals = read(5) + 257;
  const distances = read(5) + 1;
  if (literals > 286 || distances > 30) return true; // too many length or distance symbols
  const codeLengths = read(4) + 4;
  const count = new Array<number>(8).fill(0);
  for (let i = 0; i < codeLengths; i++) count[read(3)]!++;
  let max = 7;
  while (max >= 1 && count[max] === 0) max--;
  if (max === 0) return false; // no codes at all: zlib decides (it fails later, differently)
  let left = 1;
  for (let length = 1; length <= 7; length++) {
    left = left * 2 - count[length]!;
    if (left < 0) return true; // over-subscribed
  }
  return left > 0; // incomplete code-length code
}

/** Structures a reader can read without a key. */
const readableStructures = new Set<string>(['json', 'form', 'multipart', 'text']);

/** Transport-level content-encodings: anyone on the path can undo them. */
const transportEncodings = new Set(['gzip', 'x-gzip', 'br', 'deflate']);

/**
 * Decides how a payload was protected, from what the decoder found:
 * - `cleartext`: readable structure with at most transport compression (content-encoding) around it;
 * - `encoded`: readable content under base64/hex/URL layers, or protobuf (readable without a key);
 * - `compressed`: compression the analyzer recognised but could not or need not read through, leaving no readable content;
 * - `encrypted`: high entropy, no decodable structure, and deflate cannot shrink it (so compression does not explain it);
 * - `unknown`: none of these (low-entropy binary, or no payload).
 * A payload in which readable personal data was found is never `encrypted`.
 *
 * A readable container whose fields carry ciphertext (`envelope`, see `findEnvelope`) is
 * `encrypted` when the envelope makes up most of it and no readable personal data was found in
 * any leaf; a leaf with readable personal data makes the payload cleartext for that leaf, whatever
 * else is encrypted.
 */
export function classifyProtection(
  shape: BodyShape,
  personalData: boolean,
  envelope?: EnvelopeFinding,
  personalPaths: readonly string[] = [],
): ProtectionReport {
  const { subject, size, layers, structure } = shape;
  const reasons = [...shape.notes];
  if (shape.structure === 'none') {
    return {
      subject,
      size,
      layers,
      structure,
      personalData,
      class: 'unknown',
      entropy: 0,
      printable: 1,
      compressionRatio: null,
      reasons,
    };
  }
  const readable = readableStructures.has(shape.structure);
  const wrapping = shape.layers.filter(
    (layer) => !transportEncodings.has(layer) && layer !== 'query' && layer !== 'gzip' && layer !== 'zlib',
  );
  if (envelope && (readable || shape.structure === 'protobuf')) return envelopeReport(shape, personalData, envelope, wrapping);
  if (readable || shape.structure === 'protobuf') {
    let encoded = wrapping.length > 0 || shape.structure === 'protobuf';
    // The payload is one encoded field, but personal data was found readable beside it.
    const field = shape.encodedField;
    const beside = field ? personalPaths.find((path) => path !== field && !path.startsWith(`${field}|`)) : undefined;
    if (beside !== undefined && wrapping.length === 1 && shape.layers.length > 0) {
      encoded = false;
      reasons.push(`readable personal data in ${beside}, beside the encoded field: cleartext for that leaf`);
    }
    reasons.push(
      encoded
        ? `readable ${shape.structure} under ${[...wrapping, ...(shape.structure === 'protobuf' ? ['protobuf wire format'] : [])].join(', ')}: encoding, not encryption`
        : `readable ${shape.structure}${shape.layers.length ? ` after ${shape.layers.join(', ')}` : ''}`,
    );
    return {
      subject,
      size,
      layers,
      structure,
      personalData,
      class: encoded ? 'encoded' : 'cleartext',
      entropy: 0,
      printable: 1,
      compressionRatio: null,
      reasons,
    };
  }
  const opaque = shape.opaque ?? Buffer.alloc(0);
  // One pass for the printable share and the byte counts, which give the entropy and, for a
  // sample that is the whole payload, the literal tree of the deflate test.
  const counts = opaqueCounts;
  const printable = printableRatioCounting(opaque, counts);
  const bits = entropyOfCounts(counts, opaque.length);
  if (shape.structure === 'compressed') {
    reasons.push('a compressed stream the analyzer does not decode');
    return {
      subject,
      size,
      layers,
      structure,
      personalData,
      class: personalData ? 'cleartext' : 'compressed',
      entropy: round(bits),
      printable: round(printable),
      compressionRatio: null,
      reasons,
    };
  }
  const sample = opaque.subarray(0, SAMPLE);
  const ceiling = entropyCeiling(opaque.length);
  // Only random-looking bytes need the deflate test; anything else is not ciphertext anyway.
  const ratio =
    sample.length > 0 && bits >= RANDOM_SHARE * ceiling
      ? deflatedLength(sample, sample.length === opaque.length ? counts : undefined) / sample.length
      : 0;
  const measured = { entropy: round(bits), printable: round(printable), compressionRatio: ratio === 0 ? null : round(ratio) };
  const { entropy: e, printable: p, compressionRatio: c } = measured;
  const report = (cls: ProtectionReport['class']): ProtectionReport => ({
    subject,
    size,
    layers,
    structure,
    personalData,
    entropy: e,
    printable: p,
    compressionRatio: c,
    class: cls,
    reasons,
  });
  if (personalData) {
    reasons.push('readable personal data was found in it, so it is not encrypted');
    return report(wrapping.length ? 'encoded' : 'cleartext');
  }
  const layersAround = shape.layers.length ? ` (under ${shape.layers.join(', ')})` : '';
  if (opaque.length >= 16 && bits >= RANDOM_SHARE * ceiling && inflatesRaw(opaque)) {
    reasons.push(`${opaque.length} bytes${layersAround} are a raw deflate stream: compressed, not encrypted`);
    return report('compressed');
  }
  if (opaque.length >= 16 && bits >= RANDOM_SHARE * ceiling && ratio >= 0.98) {
    reasons.push(
      `${opaque.length} bytes${layersAround} with ${bits.toFixed(2)} bits/byte (ceiling ${ceiling.toFixed(2)}), no decodable structure, deflate ratio ${ratio.toFixed(2)}: ciphertext-like`,
    );
    return report('encrypted');
  }
  if (shape.layers.some((layer) => layer === 'gzip' || layer === 'zlib' || transportEncodings.has(layer))) {
    reasons.push(`binary content after ${shape.layers.join(', ')} with no readable structure`);
    return report('compressed');
  }
  reasons.push(
    opaque.length < 16
      ? `${opaque.length} bytes of binary: too short to judge`
      : `binary with ${bits.toFixed(2)} bits/byte and deflate ratio ${ratio.toFixed(2)}: neither readable nor ciphertext-like`,
  );
  return report('unknown');
}

/** The report for a readable container with ciphertext-like fields. */
function envelopeReport(shape: BodyShape, personalData: boolean, found: EnvelopeFinding, wrapping: string[]): ProtectionReport {
  const { envelope, encrypting } = found;
  const reasons = [...shape.notes];
  const fields = envelope.fields
    .map((field) => `${field.path} (${field.bytes} bytes, ${field.entropy.toFixed(2)} bits/byte of ${field.ceiling.toFixed(2)})`)
    .join(', ');
  reasons.push(
    `${envelope.shape} envelope in readable ${shape.structure}: ciphertext-like ${fields}: neither text nor compressed; the envelope is ${Math.round(envelope.share * 100)} % of the payload`,
  );
  let cls: ProtectionReport['class'];
  if (personalData) {
    cls = wrapping.length > 0 || shape.structure === 'protobuf' ? 'encoded' : 'cleartext';
    reasons.push(
      `readable personal data in ${envelope.cleartextLeaves.join(', ') || 'a leaf outside the ciphertext'}: ${cls} for that leaf, whatever else is encrypted`,
    );
  } else if (encrypting) {
    cls = 'encrypted';
    reasons.push('no readable personal data in any other leaf: field-level encryption');
  } else {
    cls = wrapping.length > 0 || shape.structure === 'protobuf' ? 'encoded' : 'cleartext';
    reasons.push(`most of the payload is readable outside the ciphertext-like fields: ${cls}`);
  }
  const report: ProtectionReport = {
    subject: shape.subject,
    size: shape.size,
    layers: shape.layers,
    structure: shape.structure,
    personalData,
    class: cls,
    entropy: 0,
    printable: 1,
    compressionRatio: null,
    reasons,
    envelope,
  };
  return report;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
