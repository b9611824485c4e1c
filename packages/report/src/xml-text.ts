import { inert } from '@conformance/core';

// Characters XML 1.0 does not allow at all (not even escaped): the C0 controls other than tab,
// line feed and carriage return, lone surrogates, U+FFFE and U+FFFF.

const notXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * App-supplied text made fit for an XML document: escape sequences and control characters
 * removed (core's `inert`), then anything XML 1.0 cannot carry. Escaping of `<`, `&` and
 * quotes is the XML builder's job.
 */
export function xmlText(text: string): string {
  return inert(text).replace(notXml, '');
}
