import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formPairs, numberText } from './decode.js';
import { mayHoldPhone, phonePattern } from './detectors.js';

/** Characters that make query strings interesting: separators, escapes, spaces, non-ASCII, surrogates. */
const queryChar = fc.oneof(
  fc.constantFrom('&', '=', '+', '%', '?', ' ', 'a', 'Z', '0', '9', 'f', 'G', '.', '-', '_', '€', 'é', '\ud83d\ude00', '\ud800', '\udc00'),
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
    fc.constantFrom('+', '-', '.', ' ', '(', ')', '\n', 'a', 'X', '0', '1', '3', '8', '9', '86', '0086', '+86 ', '+1', '13812345678'),
    fc.stringMatching(/^\d{1,16}$/),
    fc.constantFrom('555-123-4567', '(555) 123-4567', '555.123.4567', '1767225600000', '8613812345678', '+8613812345678'),
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
    for (const phone of ['13812345678', 'tel +8613812345678', 'x\n555-123-4567', '(555) 123-4567', '0086 13812345678', '+14155550100']) {
      expect(mayHoldPhone(phone)).toBe(true);
    }
    for (const quiet of ['1767225600000\n42\nhttps://example.test/a\n3.2.1', 'ref 12345\n1767225600123', '']) {
      phonePattern.lastIndex = 0;
      expect(phonePattern.test(quiet)).toBe(false);
      expect(mayHoldPhone(quiet)).toBe(false);
    }
  });
});
