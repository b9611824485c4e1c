import noticeKeywords from './data/notice-keywords.json' with { type: 'json' };
import type { EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { shownDialog } from './helpers.js';

interface Topic {
  label: string;
  /** Words per language (`en`, `zh`, …). */
  words: Record<string, string[]>;
}

/** The topics a consent notice must cover, from data/notice-keywords.json. */
export const noticeTopics: Record<string, Topic> = Object.fromEntries(
  Object.entries(noticeKeywords.topics as Record<string, Record<string, string | string[]>>).map(([id, entry]) => {
    const { label, ...languages } = entry;
    return [id, { label: String(label), words: languages as Record<string, string[]> }];
  }),
);

/** Which words of each topic the text contains (case-insensitive), in every language of the data file. */
export function findNoticeTopics(text: string): Record<string, string[]> {
  const haystack = text.toLowerCase().replace(/\s+/g, ' ');
  return Object.fromEntries(
    Object.entries(noticeTopics).map(([id, topic]) => [
      id,
      Object.values(topic.words)
        .flat()
        .filter((word) => haystack.includes(word.toLowerCase())),
    ]),
  );
}

/**
 * The consent dialog's text tells the user what they are asked to agree to: the purposes,
 * the third parties or SDKs that receive the data, and how to withdraw. Decided from the
 * dialog's visible text with the per-language keywords of data/notice-keywords.json;
 * inconclusive when the text was not recorded.
 */
export const consentNoticeDiscloses = defineCheck({
  id: 'consent.notice-discloses',
  title: 'The consent notice names the purposes, the third parties and how to withdraw',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['idle'],
  evaluate({ scenarios }) {
    const shown = shownDialog(scenarios);
    if ('outcome' in shown) return shown.outcome;
    const { dialog, shot } = shown;
    if (dialog.text === undefined || dialog.text.trim() === '') {
      return { status: 'inconclusive', summary: "the dialog's text was not recorded", evidence: shot };
    }
    const found = findNoticeTopics(dialog.text);
    const evidence: EvidenceRef[] = [
      ...shot,
      ...Object.entries(found).map(([id, words]): EvidenceRef => ({
        kind: 'note',
        detail: `${noticeTopics[id]!.label}: ${words.length ? `found ${words.map((w) => JSON.stringify(w)).join(', ')}` : 'not found'}`,
      })),
    ];
    const missing = Object.entries(found)
      .filter(([, words]) => words.length === 0)
      .map(([id]) => noticeTopics[id]!.label);
    if (missing.length > 0) {
      return { status: 'fail', summary: `the notice does not say ${missing.join(', nor ')}`, evidence };
    }
    return { status: 'pass', summary: 'the notice names the purposes, the third parties and how to withdraw', evidence };
  },
});
