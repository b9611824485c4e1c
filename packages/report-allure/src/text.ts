import { inert } from '@conformance/core';

/**
 * Everything written into the Allure results quotes what an app sent or showed (URLs, button
 * labels, payload values), and the Allure HTML renders names, messages and parameters. These
 * functions make such text inert before it is written: no escape sequence or control
 * character (core's `inert`), and no character that could open markup or leave an HTML
 * attribute. The characters are replaced by look-alikes, so the text still reads the same
 * whether or not a viewer escapes it: `<` ‹, `>` ›, `"` ”, `'` ’ and `` ` `` ˋ.
 */
const lookAlikes: Record<string, string> = { '<': '\u2039', '>': '\u203a', '"': '\u201d', "'": '\u2019', '`': '\u02cb' };

/** Text for any field of a result: inert, with markup characters replaced by look-alikes; line breaks kept. */
export function plain(text: string): string {
  return inert(text).replace(/[<>"'`]/g, (character) => lookAlikes[character]!);
}

/** `plain`, on one line (names, labels, parameters, step names), cut to `max` characters. */
export function oneLine(text: string, max = 300): string {
  const line = plain(text).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Text for an HTML context (`descriptionHtml`): inert, then every markup character escaped as an entity. */
export function escapeHtml(text: string): string {
  return inert(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/`/g, '&#96;');
}
