import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formPairs } from './decode.js';

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
