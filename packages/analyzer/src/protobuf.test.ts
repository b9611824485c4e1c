import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quietly } from './quietly.js';
import { protobufStrings, readMessage, wireFormatFits } from './protobuf.js';

describe('protobuf through @bufbuild/protobuf (fast-check)', () => {
  const field = fc.oneof(
    fc.record({
      kind: fc.constant('varint' as const),
      no: fc.integer({ min: 1, max: 5000 }),
      value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }),
    fc.record({
      kind: fc.constant('string' as const),
      no: fc.integer({ min: 1, max: 5000 }),
      value: fc.string({ maxLength: 40 }),
    }),
    fc.record({ kind: fc.constant('fixed32' as const), no: fc.integer({ min: 1, max: 5000 }), value: fc.nat() }),
    fc.record({ kind: fc.constant('double' as const), no: fc.integer({ min: 1, max: 5000 }), value: fc.double() }),
  );
  const message = fc.array(field, { minLength: 1, maxLength: 12 }).map((fields) => {
    const writer = new BinaryWriter();
    for (const f of fields) {
      if (f.kind === 'varint') writer.tag(f.no, 0).uint64(f.value);
      else if (f.kind === 'string') writer.tag(f.no, 2).string(f.value);
      else if (f.kind === 'fixed32') writer.tag(f.no, 5).fixed32(f.value);
      else writer.tag(f.no, 1).double(f.value);
    }
    return Buffer.from(writer.finish());
  });

  it('every message the writer makes fits the wire format and is read', () => {
    fc.assert(
      fc.property(message, (bytes) => {
        expect(wireFormatFits(bytes)).toBe(true);
        expect(protobufStrings(bytes)).toEqual(quietly(() => readMessage(bytes, '', 0), undefined));
      }),
      { seed: 7, numRuns: 2_000 },
    );
  }, 60_000);

  it('the walk rejects nothing the reader would accept: on random and cut bytes both give the same strings', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ minLength: 2, maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.tuple(message, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, 2 + (cut % Math.max(1, bytes.length - 1)))),
    );
    fc.assert(
      fc.property(inputs, (bytes) => {
        const reader = quietly(() => readMessage(bytes, '', 0), undefined);
        if (reader !== undefined) expect(protobufStrings(bytes)).toEqual(reader);
        else expect(protobufStrings(bytes)).toBeUndefined();
      }),
      { seed: 8, numRuns: 20_000 },
    );
  }, 60_000);
});
