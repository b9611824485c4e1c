/**
 * Finding the consent dialog and making a choice in it, the same way on every platform: the
 * manifest's selectors when given (they always win), else a CMP rule (web, autoconsent), else
 * the keyword heuristics. Every control records how it was found.
 */
import {
  ConformanceError,
  ErrorCodes,
  type ConsentChoice,
  type ConsentLocation,
  type ConsentSelectors,
  type ControlMeasure,
} from '@conformance/core';
import keywords from '../data/ui-keywords.json' with { type: 'json' };
import { ruleSelectors, type AutoconsentHost, type AutoconsentMessage } from './autoconsent.js';
import { inFrameSelector } from './frames.js';
import { CONFIDENCE_THRESHOLD, scoreConsent, type HeuristicResult, type UiSnapshot } from './heuristics.js';

/**
 * An iframe of the page the consent search looks into (web): consent platforms often render
 * their dialog in an iframe on their own origin, out of reach of the top document's scripts.
 */
export interface ConsentFrame {
  /** The iframe element's selector in the top document. */
  selector: string;
  origin: string;
  /** The frame document's controls and containers, for the heuristics. */
  snapshot(): Promise<UiSnapshot>;
  /** The frame's own autoconsent instance (given the rules that run in frames). */
  autoconsent?: AutoconsentHost;
}

/** What the consent search needs from a platform's session. */
export interface ConsentPage {
  snapshot(): Promise<UiSnapshot>;
  waitForDisplayed(selector: string, timeoutMs: number): Promise<boolean>;
  exists(selector: string): Promise<boolean>;
  tap(selector: string): Promise<void>;
  /** Whether the element stops being displayed within `timeoutMs` (true at once when it is not displayed). */
  waitForGone(selector: string, timeoutMs: number): Promise<boolean>;
  measure(selector: string, tapsAway: number): Promise<ControlMeasure | undefined>;
  /** Web only: the page's autoconsent. */
  autoconsent?: AutoconsentHost;
  /**
   * Web only: the iframes worth looking into now. Selectors the search returns for a dialog
   * found in one are written `<iframe selector> |> <selector>`; the other methods accept them.
   */
  frames?(): Promise<ConsentFrame[]>;
  /** Web only: the autoconsent instance of the iframe with this selector, once `frames` listed it. */
  frameAutoconsent?(frame: string): AutoconsentHost | undefined;
}

/** How long a confident heuristic result waits for autoconsent to report the same dialog by its rule. */
const RULE_GRACE_MS = 2_000;
/** How long a CMP rule may take to opt in or out. */
const RULE_CHOICE_TIMEOUT_MS = 15_000;
const POLL_MS = 300;
/**
 * How long the dialog may stay on screen after a tap on its control before the tap is taken as
 * lost and made once more (some consent managers show their dialog before its buttons answer).
 */
export const CHOICE_SETTLE_MS = 1_500;

export async function locateConsent(
  page: ConsentPage,
  manifest: ConsentSelectors | undefined,
  timeoutMs: number,
): Promise<ConsentLocation> {
  if (manifest) {
    const shown = await page.waitForDisplayed(manifest.dialog, timeoutMs);
    const source = { method: 'manifest' as const };
    return {
      found: shown,
      dialog: manifest.dialog,
      accept: manifest.accept,
      ...(manifest.reject ? { reject: manifest.reject } : {}),
      ...(manifest.policyLink ? { policyLink: manifest.policyLink } : {}),
      sources: { dialog: source, accept: source, ...(manifest.reject ? { reject: source } : {}) },
      candidates: [],
    };
  }
  const end = Date.now() + timeoutMs;
  let heuristic: HeuristicResult = { found: false, candidates: [] };
  let heuristicFrame: ConsentFrame | undefined;
  let confidentSince: number | undefined;
  let frames: ConsentFrame[] = [];
  const detected = () =>
    page.autoconsent?.detected() ?? frames.map((frame) => frame.autoconsent?.detected()).find((cmp) => cmp !== undefined);
  for (;;) {
    frames = page.frames ? await page.frames() : [];
    if (page.autoconsent) {
      await page.autoconsent.pump();
      const cmp = page.autoconsent.popupFound();
      if (cmp) return fromRule(page, cmp, await page.snapshot().then((snapshot) => scoreConsent(snapshot, keywords)));
    }
    for (const frame of frames) {
      if (!frame.autoconsent) continue;
      await frame.autoconsent.pump();
      const cmp = frame.autoconsent.popupFound();
      if (cmp) return fromRule(page, cmp, framed(scoreConsent(await frame.snapshot(), keywords), frame), frame);
    }
    heuristic = scoreConsent(await page.snapshot(), keywords);
    heuristicFrame = undefined;
    if (!heuristic.found && frames.length > 0) {
      // The top document has no dialog: look into its iframes, largest first.
      const candidates = [...heuristic.candidates];
      for (const frame of frames) {
        const inFrame = framed(scoreConsent(await frame.snapshot(), keywords), frame);
        if (inFrame.found) {
          heuristic = inFrame;
          heuristicFrame = frame;
          break;
        }
        candidates.push(...inFrame.candidates);
      }
      if (!heuristicFrame) heuristic = { found: false, candidates: candidates.sort((a, b) => b.score - a.score).slice(0, 20) };
    }
    if (heuristic.found) {
      confidentSince ??= Date.now();
      // The rules of the document the dialog is in get a grace period from when they started
      // running there (an iframe's instance starts late: it is injected once the frame is seen),
      // at most twice the grace when they never start.
      const ruleHost = heuristicFrame ? heuristicFrame.autoconsent : page.autoconsent;
      const rulesSince = ruleHost
        ? Math.max(confidentSince, ruleHost.initAnsweredAt ?? confidentSince + RULE_GRACE_MS)
        : undefined;
      const waitForRule = rulesSince !== undefined && Date.now() - rulesSince < RULE_GRACE_MS;
      if (!waitForRule && !(detected() && Date.now() < end)) return fromHeuristics(heuristic, heuristicFrame);
    } else {
      confidentSince = undefined;
    }
    if (Date.now() >= end) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (heuristic.found) return fromHeuristics(heuristic, heuristicFrame);
  const cmp = detected();
  return { found: false, sources: {}, candidates: heuristic.candidates, ...(cmp ? { cmp } : {}) };
}

/** A heuristic result from inside a frame, its selectors written through the frame. */
function framed(result: HeuristicResult, frame: ConsentFrame): HeuristicResult {
  const through = <T extends { selector: string }>(item: T | undefined): T | undefined =>
    item ? { ...item, selector: inFrameSelector(frame.selector, item.selector) } : undefined;
  const dialog = through(result.dialog);
  const accept = through(result.accept);
  const reject = through(result.reject);
  const settings = through(result.settings);
  return {
    found: result.found,
    ...(dialog ? { dialog } : {}),
    ...(accept ? { accept } : {}),
    ...(reject ? { reject } : {}),
    ...(settings ? { settings } : {}),
    candidates: result.candidates.map((candidate) => through(candidate)!),
  };
}

function frameFacts(frame: ConsentFrame | undefined): { frame?: { selector: string; origin: string } } {
  return frame ? { frame: { selector: frame.selector, origin: frame.origin } } : {};
}

function fromHeuristics(result: HeuristicResult, frame?: ConsentFrame): ConsentLocation {
  const source = (confidence: number, rule?: string) => ({
    method: 'heuristic' as const,
    confidence,
    ...(rule ? { rule } : {}),
    ...frameFacts(frame),
  });
  return {
    found: true,
    ...frameFacts(frame),
    dialog: result.dialog!.selector,
    accept: result.accept!.selector,
    ...(result.reject ? { reject: result.reject.selector } : {}),
    ...(result.settings ? { settings: result.settings.selector } : {}),
    sources: {
      dialog: source(result.dialog!.confidence, result.dialog!.keyword),
      accept: source(result.accept!.confidence, result.accept!.keyword),
      ...(result.reject ? { reject: source(result.reject.confidence, result.reject.keyword) } : {}),
    },
    candidates: result.candidates,
  };
}

async function fromRule(
  page: ConsentPage,
  cmp: string,
  heuristic: HeuristicResult,
  frame?: ConsentFrame,
): Promise<ConsentLocation> {
  const host = frame ? frame.autoconsent! : page.autoconsent!;
  const rule = host.rule(cmp);
  const selectors = rule
    ? await ruleSelectors(rule, (selector) => page.exists(inFrameSelector(frame?.selector, selector)))
    : { rejectTapsAway: 0 };
  const byRule = { method: 'cmp-rule' as const, rule: cmp, ...frameFacts(frame) };
  // A code-based rule names no selectors: the heuristics say where its controls are, for measuring.
  const fallback = heuristic.found ? fromHeuristics(heuristic, frame) : undefined;
  const pick = (key: 'dialog' | 'accept' | 'reject') =>
    selectors[key] !== undefined
      ? { selector: inFrameSelector(frame?.selector, selectors[key]), source: byRule }
      : fallback?.[key] !== undefined
        ? { selector: fallback[key], source: fallback.sources[key]! }
        : undefined;
  const dialog = pick('dialog');
  const accept = pick('accept');
  const reject = selectors.rejectTapsAway === 0 ? pick('reject') : undefined;
  return {
    found: true,
    cmp,
    ...frameFacts(frame),
    ...(dialog ? { dialog: dialog.selector } : {}),
    ...(accept ? { accept: accept.selector } : {}),
    ...(reject ? { reject: reject.selector } : {}),
    ...(selectors.settings
      ? { settings: inFrameSelector(frame?.selector, selectors.settings) }
      : fallback?.settings
        ? { settings: fallback.settings }
        : {}),
    sources: {
      dialog: dialog?.source ?? byRule,
      accept: accept?.source ?? byRule,
      ...(reject ? { reject: reject.source } : {}),
    },
    candidates: heuristic.candidates,
  };
}

/**
 * Accepts or refuses. A dialog found by a CMP rule is operated by that rule (its result must
 * come back true); otherwise the control is tapped, and for reject without a first-layer
 * control, the settings control is tapped first and the reject control looked for in what
 * it reveals. Undefined when there is no control for the choice.
 */
export async function chooseConsent(
  page: ConsentPage,
  choice: 'accept' | 'reject',
  location: ConsentLocation,
): Promise<ConsentChoice | undefined> {
  const host = location.frame ? page.frameAutoconsent?.(location.frame.selector) : page.autoconsent;
  if (location.cmp && host) {
    const frame = location.frame?.selector;
    const rule = host.rule(location.cmp);
    const selectors = rule ? await ruleSelectors(rule, (selector) => page.exists(inFrameSelector(frame, selector))) : undefined;
    const type = choice === 'accept' ? 'optIn' : 'optOut';
    // The page may have changed since the dialog was found (the app was relaunched and showed
    // the dialog again): the rule must have found it in the document it runs in now.
    if (!(await host.ready(location.cmp, RULE_CHOICE_TIMEOUT_MS))) {
      throw new ConformanceError(
        ErrorCodes.CONSENT_NOT_FOUND,
        `the ${location.cmp} rule did not find its dialog again in the page as it is now (within ${RULE_CHOICE_TIMEOUT_MS} ms)`,
        { hint: 'add a consent block with the dialog, accept and reject selectors to the app manifest (docs/MANIFEST.md)' },
      );
    }
    await host.send(type);
    const match = (message: AutoconsentMessage) => message.type === `${type}Result`;
    let result: AutoconsentMessage | undefined;
    let frameClosed = false;
    if (location.frame) {
      // Consent platforms remove their iframe once the choice is made, often before the rule
      // inside it has reported: a frame that is gone (or no longer shows the dialog) ends the wait.
      const end = Date.now() + RULE_CHOICE_TIMEOUT_MS;
      for (;;) {
        result = await host.waitFor(match, 0);
        if (result) break;
        const dialog = location.dialog ?? location.frame.selector;
        if (!(await page.exists(location.frame.selector)) || (await page.waitForGone(dialog, 0))) {
          result = await host.waitFor(match, 0);
          frameClosed = result === undefined;
          break;
        }
        if (Date.now() >= end) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } else {
      result = await host.waitFor(match, RULE_CHOICE_TIMEOUT_MS);
    }
    if (!frameClosed && !result?.result) {
      throw new ConformanceError(
        ErrorCodes.CONSENT_NOT_FOUND,
        `the ${location.cmp} rule could not ${choice === 'accept' ? 'accept' : 'refuse'} (${result ? `${type}Result: false` : `no ${type}Result within ${RULE_CHOICE_TIMEOUT_MS} ms`})`,
        { hint: 'add a consent block with the dialog, accept and reject selectors to the app manifest (docs/MANIFEST.md)' },
      );
    }
    const selector = choice === 'accept' ? selectors?.accept : selectors?.reject;
    return {
      selector: selector ? inFrameSelector(frame, selector) : `autoconsent:${location.cmp}`,
      tapsAway: choice === 'reject' ? (selectors?.rejectTapsAway ?? 0) : 0,
      source: { method: 'cmp-rule', rule: location.cmp, ...(location.frame ? { frame: location.frame } : {}) },
      ...(frameClosed ? { frameClosed } : {}),
    };
  }
  const direct = choice === 'accept' ? location.accept : location.reject;
  if (direct) {
    const measure = await page.measure(direct, 0);
    await page.tap(direct);
    // A tap the dialog did not answer (its buttons were not wired yet) is made once more, as a
    // person would; the choice records it.
    let retapped = false;
    if (location.dialog && location.dialog !== direct && !(await page.waitForGone(location.dialog, CHOICE_SETTLE_MS))) {
      if (await page.waitForDisplayed(direct, 500)) {
        await page.tap(direct);
        retapped = true;
      }
    }
    const source = location.sources[choice] ?? { method: 'manifest' as const };
    return { selector: direct, tapsAway: 0, source, ...(measure ? { measure } : {}), ...(retapped ? { retapped } : {}) };
  }
  if (choice === 'reject' && location.settings && location.sources.accept?.method !== 'manifest') {
    await page.tap(location.settings);
    const end = Date.now() + 3_000;
    for (;;) {
      // The second layer opens where the first was: in the top document or in the dialog's frame.
      const frame = location.frame
        ? (await page.frames?.())?.find((candidate) => candidate.selector === location.frame!.selector)
        : undefined;
      const { candidates } = frame
        ? framed(scoreConsent(await frame.snapshot(), keywords), frame)
        : scoreConsent(await page.snapshot(), keywords);
      const reject = candidates.find((candidate) => candidate.role === 'reject' && candidate.score >= CONFIDENCE_THRESHOLD);
      if (reject) {
        const measure = await page.measure(reject.selector, 1);
        await page.tap(reject.selector);
        return {
          selector: reject.selector,
          tapsAway: 1,
          source: { method: 'heuristic', confidence: reject.score, rule: reject.text, ...frameFacts(frame) },
          ...(measure ? { measure } : {}),
        };
      }
      if (Date.now() >= end) return undefined;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  return undefined;
}
