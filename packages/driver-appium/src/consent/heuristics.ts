/**
 * Keyword heuristics that find a consent dialog and its controls in a snapshot of the visible
 * UI (web page or native view hierarchy). Pure: the snapshot is taken elsewhere, so the scorer
 * is tested without a browser. Every candidate is scored by its text (accept / reject /
 * settings words of ui-keywords.json), its role (button, link) and its position (inside a
 * dialog, overlay or fixed banner that reads like a consent notice).
 */
import type { ConsentCandidate } from '@conformance/core';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A visible control that could be tapped. */
export interface UiControl {
  selector: string;
  text: string;
  role: 'button' | 'link' | 'other';
  rect: Rect;
  /** Index of the innermost container (dialog, overlay, banner, screen) holding it, if any. */
  container: number | null;
}

/** Something that may be a consent dialog: a dialog element, a modal overlay, a fixed banner, or a whole native screen. */
export interface UiContainer {
  selector: string;
  /** Its visible text (the first few thousand characters). */
  text: string;
  kind: 'dialog' | 'overlay' | 'banner' | 'screen';
  rect: Rect;
}

export interface UiSnapshot {
  viewport: { width: number; height: number };
  controls: UiControl[];
  containers: UiContainer[];
}

export interface ConsentKeywords {
  accept: string[];
  reject: string[];
  settings: string[];
  notice: string[];
}

export type ControlKind = 'accept' | 'reject' | 'settings';

export interface ScoredControl {
  selector: string;
  text: string;
  kind: ControlKind;
  /** The keyword that matched. */
  keyword: string;
  confidence: number;
  container: number | null;
}

export interface HeuristicResult {
  /** A dialog with an accept control was found with at least CONFIDENCE_THRESHOLD. */
  found: boolean;
  dialog?: { selector: string; confidence: number; keyword?: string };
  accept?: ScoredControl;
  reject?: ScoredControl;
  settings?: ScoredControl;
  /** Every scored candidate, best first (at most 20): what a person needs to write selectors. */
  candidates: ConsentCandidate[];
}

/** Below this a candidate is not used; the scenario ends in CONF_CONSENT_NOT_FOUND instead. */
export const CONFIDENCE_THRESHOLD = 0.6;

const KIND_PRIORITY: Record<ControlKind, number> = { reject: 3, settings: 2, accept: 1 };
const ROLE_FACTOR: Record<UiControl['role'], number> = { button: 1, link: 0.8, other: 0.7 };
const CONTAINER_FACTOR: Record<UiContainer['kind'], number> = { dialog: 1, overlay: 0.95, banner: 0.85, screen: 0.75 };
/** A control that sits in no dialog, overlay or banner is rarely a consent control. */
const NO_CONTAINER_FACTOR = 0.4;
/** A container whose text names no consent topic (cookies, privacy …) is rarely a consent notice. */
const NO_NOTICE_FACTOR = 0.55;

/** Lower case, trimmed, with whitespace collapsed and surrounding punctuation removed. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\s+/g, ' ')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .trim();
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Whether `keyword` occurs in `text`: anywhere for CJK words, on word boundaries otherwise. */
export function containsKeyword(text: string, keyword: string): boolean {
  const word = normalise(keyword);
  if (!word) return false;
  if (CJK.test(word)) return text.includes(word);
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(text);
}

/**
 * What a control's text says: the kind of its longest matching keyword (so 不同意 is a
 * refusal even though it contains 同意), and whether the text is exactly that keyword.
 */
export function classifyText(
  text: string,
  keywords: Pick<ConsentKeywords, ControlKind>,
): { kind: ControlKind; keyword: string; exact: boolean } | undefined {
  const normalised = normalise(text);
  if (!normalised) return undefined;
  let best: { kind: ControlKind; keyword: string; exact: boolean } | undefined;
  for (const kind of ['accept', 'reject', 'settings'] as const) {
    for (const keyword of keywords[kind]) {
      if (!containsKeyword(normalised, keyword)) continue;
      const word = normalise(keyword);
      const better =
        !best ||
        word.length > best.keyword.length ||
        (word.length === best.keyword.length && KIND_PRIORITY[kind] > KIND_PRIORITY[best.kind]);
      if (better) best = { kind, keyword: word, exact: normalised === word };
    }
  }
  return best;
}

/** How much a control's text reads like one control: 1 for the bare keyword, less the more other words surround it. */
function textScore(text: string, keyword: string, exact: boolean): number {
  if (exact) return 1;
  const extra = Math.max(0, normalise(text).length - keyword.length);
  return Math.max(0.2, 0.9 - extra / 40);
}

/** Notice words are stems ("cookie" in "cookies"), so they match anywhere in the container's text. */
function noticeKeyword(container: UiContainer, keywords: ConsentKeywords): string | undefined {
  const text = normalise(container.text);
  return keywords.notice.find((word) => text.includes(normalise(word)));
}

function inViewport(rect: Rect, viewport: UiSnapshot['viewport']): boolean {
  return rect.width > 0 && rect.height > 0 && rect.y < viewport.height && rect.y + rect.height > 0 && rect.x < viewport.width;
}

/** Scores every control and container of the snapshot and picks the consent dialog, if any. */
export function scoreConsent(snapshot: UiSnapshot, keywords: ConsentKeywords): HeuristicResult {
  const containerScores = snapshot.containers.map((container) => {
    const keyword = noticeKeyword(container, keywords);
    return { keyword, score: CONTAINER_FACTOR[container.kind] * (keyword ? 1 : NO_NOTICE_FACTOR) };
  });
  const scored: ScoredControl[] = [];
  for (const control of snapshot.controls) {
    const match = classifyText(control.text, keywords);
    if (!match) continue;
    const where =
      control.container === null ? NO_CONTAINER_FACTOR : (containerScores[control.container]?.score ?? NO_CONTAINER_FACTOR);
    const position = inViewport(control.rect, snapshot.viewport) ? 1 : 0.8;
    const confidence = textScore(control.text, match.keyword, match.exact) * ROLE_FACTOR[control.role] * where * position;
    scored.push({
      selector: control.selector,
      text: control.text.trim().slice(0, 80),
      kind: match.kind,
      keyword: match.keyword,
      confidence: round(confidence),
      container: control.container,
    });
  }
  scored.sort((a, b) => b.confidence - a.confidence);
  const candidates: ConsentCandidate[] = [
    ...scored.map((control) => ({
      role: control.kind,
      selector: control.selector,
      text: control.text,
      score: control.confidence,
    })),
    ...snapshot.containers.map((container, index) => ({
      role: 'dialog' as const,
      selector: container.selector,
      text: normalise(container.text).slice(0, 80),
      score: round(containerScores[index]!.score),
    })),
  ]
    .sort((a, b) => b.score - a.score)
    .slice(0, 20);

  // The dialog: the container whose best accept control is the most confident.
  let best: { index: number; accept: ScoredControl; score: number } | undefined;
  for (const control of scored) {
    if (control.kind !== 'accept' || control.container === null || control.confidence < CONFIDENCE_THRESHOLD) continue;
    const score = control.confidence * containerScores[control.container]!.score;
    if (!best || score > best.score) best = { index: control.container, accept: control, score };
  }
  if (!best) return { found: false, candidates };
  const inDialog = (kind: ControlKind) =>
    scored.find(
      (control) => control.kind === kind && control.container === best.index && control.confidence >= CONFIDENCE_THRESHOLD,
    );
  const container = snapshot.containers[best.index]!;
  const reject = inDialog('reject');
  const settings = inDialog('settings');
  const noticeWord = containerScores[best.index]!.keyword;
  return {
    found: true,
    dialog: {
      selector: container.selector,
      confidence: round(containerScores[best.index]!.score),
      ...(noticeWord ? { keyword: noticeWord } : {}),
    },
    accept: best.accept,
    ...(reject ? { reject } : {}),
    ...(settings ? { settings } : {}),
    candidates,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
