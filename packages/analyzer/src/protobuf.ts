import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { isReadable } from './readable.js';
import { quietly } from './quietly.js';

/**
 * The printable strings of a buffer that parses completely as protobuf wire format, keyed by
 * field path (`1.3`), read with `@bufbuild/protobuf`'s wire reader; undefined when it is not
 * protobuf-looking. Nested messages are followed 3 levels deep; groups (wire types 3 and 4)
 * are not protobuf-looking here (no current encoder writes them).
 */
export function protobufStrings(bytes: Buffer, prefix = '', depth = 0): Array<[string, string]> | undefined {
  if (bytes.length < 2 || depth > 3) return undefined;
  // Most bytes tried here are not protobuf (ids decoded from base64, ciphertext): a walk over the
  // tags and lengths rejects them without a reader, an allocation or an exception.
  if (!wireFormatFits(bytes)) return undefined;
  return quietly(() => readMessage(bytes, prefix, depth), undefined);
}

/**
 * Whether bytes parse as a sequence of protobuf fields (wire types 0, 1, 2, 5; field numbers from
 * 1; varints of at most 10 bytes, tags and lengths of at most 5; every field inside the bytes).
 * Values are skipped, not read.
 */
export function wireFormatFits(bytes: Uint8Array): boolean {
  const length = bytes.length;
  let pos = 0;
  while (pos < length) {
    // The tag: a uint32 varint with a field number of at least 1.
    let tag = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= length || shift > 28) return false;
      byte = bytes[pos++]!;
      tag += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (tag < 8 || tag > 0xffffffff) return false;
    const wire = tag % 8;
    if (wire === 0) {
      let n = 0;
      do {
        if (pos >= length || n++ >= 10) return false;
      } while (bytes[pos++]! & 0x80);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let size = 0;
      shift = 0;
      do {
        if (pos >= length || shift > 28) return false;
        byte = bytes[pos++]!;
        size += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      pos += size;
    } else return false;
    if (pos > length) return false;
  }
  return true;
}

/** The reader-only path (exported for the test that the walk rejects nothing the reader accepts). */
export function readMessage(bytes: Buffer, prefix: string, depth: number): Array<[string, string]> | undefined {
  const reader = new BinaryReader(bytes);
  const out: Array<[string, string]> = [];
  let fields = 0;
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    fields++;
    if (wire === WireType.LengthDelimited) {
      const start = reader.pos;
      const length = reader.uint32();
      // A length that does not fit 32 bits (uint32() would cut it) is not a length.
      if (reader.pos - start > 5 || (reader.pos - start === 5 && bytes[reader.pos - 1]! > 0x0f)) return undefined;
      const end = reader.pos + length;
      if (end > reader.len) return undefined;
      const chunk = bytes.subarray(reader.pos, end);
      reader.pos = end;
      const name = prefix ? `${prefix}.${field}` : String(field);
      const nested = chunk.length >= 2 && hasControlBytes(chunk) ? protobufStrings(chunk, name, depth + 1) : undefined;
      if (nested) out.push(...nested);
      else if (chunk.length > 0 && isReadable(chunk)) out.push([name, chunk.toString('utf8')]);
    } else if (wire === WireType.Varint) {
      const start = reader.pos;
      reader.skip(WireType.Varint);
      if (reader.pos - start > 10) return undefined; // longer than any 64-bit varint
    } else if (wire === WireType.Bit64 || wire === WireType.Bit32) {
      const end = reader.pos + (wire === WireType.Bit64 ? 8 : 4);
      if (end > reader.len) return undefined;
      reader.pos = end;
    } else return undefined; // groups (3, 4)
  }
  return fields >= 2 || out.length > 0 ? out : undefined;
}

function hasControlBytes(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x20 && bytes[i] !== 0x09 && bytes[i] !== 0x0d) return true;
  return false;
}
