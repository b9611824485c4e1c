import LZString from 'lz-string';
import { quietly } from './quietly.js';

/**
 * LZ-string payloads (npm `lz-string`, as analytics SDKs use it): `compressToBase64` and
 * `compressToEncodedURIComponent` output. A JSON text always compresses to a string starting
 * with `N` (the first code is an 8-bit literal, `{` or `[`), so only such strings are tried
 * unless the flow said it is LZ-string.
 */
export function lzSignature(text: string): boolean {
  return text.charCodeAt(0) === 78;
}

/** The alphabets of `compressToBase64` (padded with up to three `=`) and `compressToEncodedURIComponent`. */
export const lzAlphabet = /^[A-Za-z0-9+/$-]+={0,3}$/;

/**
 * The decompressed text when it is a JSON structure, or undefined. The caller bounds the input
 * (the output of LZ-string can grow with the square of its input).
 */
export function lzStringText(text: string): string | undefined {
  const uri = text.includes('$') || text.includes('-');
  const inner = quietly(
    () => (uri ? LZString.decompressFromEncodedURIComponent(text) : LZString.decompressFromBase64(text)) as string | null,
    null,
  );
  if (!inner) return undefined;
  const lead = inner.charCodeAt(0);
  if (lead !== 123 && lead !== 91) return undefined;
  return quietly(() => (JSON.parse(inner) as unknown, inner), undefined);
}
