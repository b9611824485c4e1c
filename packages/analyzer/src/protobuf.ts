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
  // The first tag's wire type, read without a reader: random bytes fail here half the time.
  const wire = bytes[0]! & 7;
  if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) return undefined;
  return quietly(() => readMessage(bytes, prefix, depth), undefined);
}

function readMessage(bytes: Buffer, prefix: string, depth: number): Array<[string, string]> | undefined {
  const reader = new BinaryReader(bytes);
  const out: Array<[string, string]> = [];
  let fields = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field < 1) return undefined;
    fields++;
    if (wire === WireType.LengthDelimited) {
      const length = reader.uint32();
      const end = reader.pos + length;
      if (end > reader.len) return undefined;
      const chunk = bytes.subarray(reader.pos, end);
      reader.pos = end;
      const name = prefix ? `${prefix}.${field}` : String(field);
      const nested = chunk.length >= 2 && hasControlBytes(chunk) ? protobufStrings(chunk, name, depth + 1) : undefined;
      if (nested) out.push(...nested);
      else if (chunk.length > 0 && isReadable(chunk)) out.push([name, chunk.toString('utf8')]);
    } else if (wire === WireType.Varint) {
      reader.skip(WireType.Varint);
    } else if (wire === WireType.Bit64 || wire === WireType.Bit32) {
      const end = reader.pos + (wire === WireType.Bit64 ? 8 : 4);
      if (end > reader.len) return undefined;
      reader.pos = end;
    } else return undefined;
  }
  return fields >= 2 || out.length > 0 ? out : undefined;
}

function hasControlBytes(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x20 && bytes[i] !== 0x09 && bytes[i] !== 0x0d) return true;
  return false;
}
