import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFlow, formPairs, numberText } from './decode.js';
import { mayHoldPhone, phonePattern } from './detectors.js';
import { createFlowAnalyzer } from './flow.js';

/** Characters that make query strings interesting: separators, escapes, spaces, non-ASCII, surrogates. */
const queryChar = fc.oneof(
  fc.constantFrom(
    '&',
    '=',
    '+',
    '%',
    '?',
    ' ',
    'a',
    'Z',
    '0',
    '9',
    'f',
    'G',
    '.',
    '-',
    '_',
    '€',
    'é',
    '\ud83d\ude00',
    '\ud800',
    '\udc00',
  ),
  fc.constantFrom('%41', '%2B', '%26', '%3D', '%E2%82%AC', '%C3', '%C3%A9', '%FF', '%ZZ', '%4', '%e9', '%ED%A0%80', '%EF%BB%BF'),
  fc.string({ maxLength: 3 }),
);
const query = fc.array(queryChar, { maxLength: 40 }).map((parts) => parts.join(''));

describe('formPairs', () => {
  it('gives exactly what URLSearchParams gives, for any text (property)', () => {
    fc.assert(
      fc.property(query, (text) => {
        expect(formPairs(text)).toEqual([...new URLSearchParams(text)]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads form bodies and queries the way URLSearchParams does (examples)', () => {
    const cases = [
      '',
      '?',
      '?a=1',
      'a=1&&b=2&',
      '&a',
      '=x',
      'a=b=c',
      'data=%7B%22email%22%3A%22li.na%40example.cn%22%7D&k=app',
      'q=a+b%2Bc',
      'bad=%zz&ok=1',
      'bad=%C3',
      'lone=\ud800',
      'n=%E2%82%AC+%E2%82%AC',
    ];
    for (const text of cases) expect(formPairs(text)).toEqual([...new URLSearchParams(text)]);
    // Positive control: the fields come out decoded, a JSON field whole.
    expect(formPairs('data=%7B%22email%22%3A%22li.na%40example.cn%22%7D&k=app')).toEqual([
      ['data', '{"email":"li.na@example.cn"}'],
      ['k', 'app'],
    ]);
  });
});

describe('numberText', () => {
  it('writes every number as String does (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double(),
          fc.integer({ min: -1e9, max: 1e9 }),
          fc.maxSafeInteger(),
          fc.integer({ min: 1e8, max: 1e14 }),
          fc.constantFrom(1e8, 1e8 - 1, 2e8 - 1, 99_999_999_999, 1e15, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, -0, 1.5e8),
        ),
        (value) => {
          expect(numberText(value)).toBe(String(value));
        },
      ),
      { numRuns: 50_000 },
    );
  });

  it('writes timestamps digit for digit (examples)', () => {
    expect(numberText(1_767_225_600_000)).toBe('1767225600000');
    expect(numberText(100_000_007)).toBe('100000007');
    expect(numberText(123.456)).toBe('123.456');
  });
});

describe('mayHoldPhone', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      '+',
      '-',
      '.',
      ' ',
      '(',
      ')',
      '\n',
      'a',
      'X',
      '0',
      '1',
      '3',
      '8',
      '9',
      '86',
      '0086',
      '+86 ',
      '+1',
      '13812345678',
    ),
    fc.stringMatching(/^\d{1,16}$/),
    fc.constantFrom('555-123-4567', '(555) 123-4567', '555.123.4567', '1767225600000', '8613812345678', '+8613812345678'),
    // Ids with groups of digits between dashes, as UUIDs have.
    fc.constantFrom('f3b1c2d4-0a1b-4c2d-9e8f-0123456789ab', '9a1b2c3d-1234-5678-9012-3456789abcde', 'ab-123-4567', 'x123-4567'),
  );
  const text = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));

  it('is true wherever the phone pattern matches (property)', () => {
    fc.assert(
      fc.property(text, (value) => {
        phonePattern.lastIndex = 0;
        if (phonePattern.test(value)) expect(mayHoldPhone(value)).toBe(true);
      }),
      { numRuns: 50_000 },
    );
  });

  it('lets phone numbers through and keeps timestamps and counters out (examples)', () => {
    for (const phone of [
      '13812345678',
      'tel +8613812345678',
      'x\n555-123-4567',
      '(555) 123-4567',
      '0086 13812345678',
      '+14155550100',
    ]) {
      expect(mayHoldPhone(phone)).toBe(true);
    }
    for (const quiet of [
      '1767225600000\n42\nhttps://example.test/a\n3.2.1',
      'ref 12345\n1767225600123',
      '',
      '9a1b2c3d-1234-5678-9012-3456789abcde',
      'build 2026-1204',
    ]) {
      phonePattern.lastIndex = 0;
      expect(phonePattern.test(quiet)).toBe(false);
      expect(mayHoldPhone(quiet)).toBe(false);
    }
  });
});

describe('paths built from cached steps', () => {
  const flowWith = (body: unknown) => ({
    type: 'flow' as const,
    v: 1 as const,
    id: 'f1',
    startedAt: 0,
    completedAt: 1,
    client: null,
    method: 'POST',
    scheme: 'https' as const,
    host: 'collect.vendor.test',
    port: 443,
    path: '/v1/batch',
    url: 'https://collect.vendor.test/v1/batch',
    httpVersion: 'HTTP/1.1',
    headers: [['content-type', 'application/json']] as Array<[string, string]>,
    body: { size: 0, sha256: '0'.repeat(64), encoding: 'utf8' as const, data: JSON.stringify(body) },
    tls: null,
    answer: 'sinkhole' as const,
  });

  it('names every field and item exactly, past the cache bound and for long names', () => {
    const long = 'x'.repeat(100);
    const record: Record<string, unknown> = {
      [long]: 'long-name-value',
      items: Array.from({ length: 70 }, (_, i) => `item-${i}-value`),
    };
    for (let i = 0; i < 12_000; i++) record[`k${i}`] = `value-${i}-text`;
    const { leaves } = decodeFlow(flowWith(record), { maxDepth: 4 });
    const byPath = new Map(leaves.map((leaf) => [leaf.path, leaf.text]));
    expect(byPath.get(`body.json.${long}`)).toBe('long-name-value');
    expect(byPath.get('body.json.items[0]')).toBe('item-0-value');
    expect(byPath.get('body.json.items[63]')).toBe('item-63-value');
    expect(byPath.get('body.json.items[64]')).toBe('item-64-value');
    expect(byPath.get('body.json.items[69]')).toBe('item-69-value');
    for (const i of [0, 9_999, 10_000, 11_999]) expect(byPath.get(`body.json.k${i}`)).toBe(`value-${i}-text`);
    // The same names again, now from the cache (or after it was cleared): the same paths.
    const again = decodeFlow(flowWith(record), { maxDepth: 4 }).leaves.map((leaf) => leaf.path);
    expect(again).toEqual(leaves.map((leaf) => leaf.path));
  });

  it('puts a canary and a pattern finding at the leaf they are in, and finds nothing in a flow without them', () => {
    const analyze = createFlowAnalyzer({ canaries: [{ category: 'contact.phone', kind: 'phone', value: '13812345678' }] });
    const context = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } } as const;
    const hit = analyze(flowWith({ a: 'first value here', b: [1, 2, { tel: '13812345678' }], c: 'x@example.org' }), context);
    expect(hit.findings.map((f) => [f.path, f.detector])).toEqual([
      ['body.json.b[2].tel', 'canary:phone'],
      ['body.json.c', 'pattern:email'],
    ]);
    expect(analyze(flowWith({ a: 'first value here', b: [1, 2, { tel: 'none' }] }), context).findings).toEqual([]);
  });
});
