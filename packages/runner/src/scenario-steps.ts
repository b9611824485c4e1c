import {
  ConformanceError,
  consentNotFound,
  ErrorCodes,
  type AppManifest,
  type ConsentLocation,
  type DeviceSession,
  type JourneyStep,
  type ScenarioStep,
  type StepKind,
} from '@conformance/core';
import { expandPersona, type Persona } from './persona.js';
import type { Progress } from './progress.js';
import { explorePolicy, POLICY_MAX_DEPTH } from './policy.js';
import type { ScenarioRecorder } from './scenario-record.js';

/** How long the app stays in the background in a `background` step. */
export const BACKGROUND_HOLD_MS = 2_000;

/** The withdraw scenario was asked for on a manifest without a withdraw path. */
export function missingWithdrawPath(): ConformanceError {
  return new ConformanceError(ErrorCodes.MANIFEST_INVALID, 'the withdraw scenario needs the manifest\'s "withdraw" path', {
    hint: 'add withdraw: [selectors tapped to withdraw consent] to the manifest (docs/MANIFEST.md), or leave withdraw out of --scenarios',
  });
}

/**
 * Everything a step may use: the open session, the recorder it adds to, and where the consent
 * dialog and its controls were found at launch (the manifest's selectors, a CMP rule or the
 * keyword heuristics: the session's `locateConsent` decides, manifest selectors first).
 */
export interface StepContext {
  session: DeviceSession;
  manifest: AppManifest;
  url: string;
  persona: Persona;
  observationMs: number;
  dialogTimeoutMs: number;
  backgroundMs: number;
  /** Set by the dialog step. */
  consent?: ConsentLocation;
  /** How long the dialog took to show at launch (set by the dialog step); bounds the wait for it after a relaunch. */
  dialogDelayMs?: number;
  /**
   * Settled windows: an `observe` step with `settle` ends once no request was recorded for
   * `quietMs` (never before `quietMs` has passed). Absent: every window is watched whole.
   */
  settle?: { quietMs: number; lastFlowAt(): number };
  record: ScenarioRecorder;
  progress: Progress;
}

type Handler<K extends StepKind> = (ctx: StepContext, step: Extract<ScenarioStep, { step: K }>) => Promise<void>;

/** One handler per kind of step; a scenario is nothing but a list of them (core's scenarioPlans). */
export const stepHandlers: { [K in StepKind]: Handler<K> } = {
  async launch(ctx) {
    ctx.progress.detail(`launching ${ctx.url}`);
    await ctx.record.mark('launch', () => ctx.session.launch(ctx.url), { detail: ctx.url });
  },

  async dialog(ctx) {
    const launched = ctx.record.timeline.findLast((entry) => entry.action === 'launch')?.done ?? Date.now();
    const location = await findDialog(ctx);
    if (location.found) ctx.dialogDelayMs = Date.now() - launched;
    const shown = location.found;
    const facts =
      shown && location.dialog
        ? await ctx.session.inspectDialog(location.dialog, location.reject, location.policyLink, location.accept)
        : {
            shown,
            rejectOnFirstLayer: shown && location.reject !== undefined,
            rejectSelector: location.reject ?? null,
            toggles: [],
            policyLink: false,
            buttons: [],
          };
    const outline = shown ? [location.accept, location.reject].filter((selector) => selector !== undefined) : [];
    ctx.record.dialog = { ...facts, found: location.sources, screenshot: await ctx.record.screenshot('consent-dialog', outline) };
    ctx.progress.detail(
      shown
        ? `consent dialog shown (reject on first layer: ${facts.rejectOnFirstLayer ? 'yes' : 'no'}, ${facts.toggles.filter((t) => t.checked).length} pre-ticked of ${facts.toggles.length})`
        : `no consent dialog appeared within ${ctx.dialogTimeoutMs} ms`,
    );
  },

  async choose(ctx, { choice }) {
    if (choice === 'dismiss') {
      if (!ctx.record.dialog?.shown) return;
      if (!(await makeChoice(ctx, 'reject', false))) await makeChoice(ctx, 'accept');
      return;
    }
    await makeChoice(ctx, choice);
  },

  async journey(ctx, { typing }) {
    const { journey } = ctx.manifest;
    if (journey.length === 0) return;
    const missing = await playJourney(ctx, journey, typing);
    if (missing === undefined) return;
    // Withdraw paths and refusals often leave the app on another screen: start again from the entry, once.
    ctx.progress.detail(`journey: ${missing} is not on screen; starting the journey again from the entry`);
    await restart(ctx, `journey retried from the entry (${missing} was not on screen)`);
    const again = await playJourney(ctx, journey, typing);
    if (again !== undefined) {
      throw new ConformanceError(ErrorCodes.SELECTOR_NOT_FOUND, `journey step ${again} was not on screen, even from the entry`, {
        hint: 'check the journey selectors in the app manifest against the app; each must be reachable from its entry',
      });
    }
  },

  async withdraw(ctx) {
    const path = ctx.manifest.withdraw;
    if (!path?.length) throw missingWithdrawPath();
    ctx.progress.detail(`withdrawing consent (${path.join(' → ')})`);
    for (const [index, selector] of path.entries()) {
      await ctx.record.mark(index === path.length - 1 ? 'withdraw' : 'tap', () => ctx.session.tap(selector), { selector });
    }
    await ctx.record.screenshot('after-withdraw');
  },

  async relaunch(ctx, { dialog }) {
    ctx.progress.detail('relaunching the app in the same profile');
    await restart(ctx, ctx.url);
    if (!dialog) return;
    const selector = ctx.consent?.dialog ?? ctx.consent?.accept;
    const at = Date.now();
    const waitMs = relaunchDialogWait(ctx.dialogDelayMs, ctx.dialogTimeoutMs);
    const shown = selector ? await ctx.session.waitForDisplayed(selector, waitMs) : false;
    ctx.record.stamp(shown ? 'dialog-shown' : 'dialog-absent', at, {
      ...(selector ? { selector } : {}),
      detail: `after relaunch (watched up to ${waitMs} ms${ctx.dialogDelayMs !== undefined ? `; it took ${ctx.dialogDelayMs} ms at launch` : ''})`,
    });
    if (dialog === 'record') {
      ctx.record.repromptedAfterRelaunch = shown;
      await ctx.record.screenshot('after-relaunch');
      ctx.progress.detail(shown ? 'the consent dialog was shown again' : 'the consent dialog stayed closed');
      return;
    }
    if (!shown || !ctx.consent) return;
    // The dialog came back (the app forgot the earlier choice): refuse again, as a person who
    // withdrew would. Stamped as a tap, so the phase the scenario is in does not change.
    const at2 = Date.now();
    const made = await ctx.session.chooseConsent('reject', ctx.consent);
    if (!made) {
      ctx.progress.warn('the consent dialog came back after relaunching and offers no reject control; it stays open');
      return;
    }
    ctx.progress.detail(`the consent dialog came back after relaunching: refusing again (${made.selector})`);
    ctx.record.stamp('tap', at2, {
      selector: made.selector,
      detail: 'refused again: the consent dialog came back after relaunching',
    });
  },

  async background(ctx) {
    ctx.progress.detail(`sending the app to the background for ${(ctx.backgroundMs / 1000).toFixed(1)} s`);
    await ctx.record.mark('background', () => ctx.session.background());
    await sleep(ctx.backgroundMs);
    ctx.record.windowMs += ctx.backgroundMs;
    await ctx.record.mark('foreground', () => ctx.session.foreground());
  },

  async observe(ctx, { settle }) {
    const planned = ctx.observationMs;
    const quiet = settle && ctx.settle && ctx.settle.quietMs > 0 && ctx.settle.quietMs < planned ? ctx.settle : undefined;
    ctx.progress.detail(
      quiet
        ? `observing for up to ${(planned / 1000).toFixed(1)} s (ends after ${(quiet.quietMs / 1000).toFixed(1)} s without a request)`
        : `observing for ${(planned / 1000).toFixed(1)} s`,
    );
    const start = Date.now();
    const endedBy = await ctx.record.mark(
      'observe',
      async () => (quiet ? watchUntilQuiet(start, planned, quiet) : watchWindow(start, planned)),
      { detail: quiet ? `up to ${planned} ms, settled after ${quiet.quietMs} ms without a request` : `${planned} ms` },
    );
    const actualMs = Date.now() - start;
    ctx.record.windowMs += actualMs;
    ctx.record.observed = { plannedMs: planned, actualMs, endedBy, ...(quiet ? { quietMs: quiet.quietMs } : {}) };
    if (endedBy === 'quiet') {
      ctx.progress.detail(
        `quiet for ${(quiet!.quietMs / 1000).toFixed(1)} s: window ended after ${(actualMs / 1000).toFixed(1)} s`,
      );
    }
    await ctx.record.screenshot('end');
  },

  async policy(ctx) {
    const { session, record } = ctx;
    const path = ctx.manifest.privacyPolicy?.path;
    if (path) {
      let taps = 0;
      for (const selector of path) {
        if (!(await session.waitForDisplayed(selector, ctx.dialogTimeoutMs))) break;
        await record.mark('tap', () => session.tap(selector), { selector, detail: 'privacy policy path' });
        taps++;
      }
      const reached = taps === path.length && (await session.showsPrivacyPolicy());
      record.policy = { reached, taps: reached ? taps : null, path: path.slice(0, taps), method: 'manifest-path', explored: 1 };
    } else {
      record.policy = await explorePolicy(session, {
        url: ctx.url,
        maxDepth: POLICY_MAX_DEPTH,
        reset: () => restart(ctx, 'policy exploration'),
        tap: (selector) => record.mark('tap', () => session.tap(selector), { selector, detail: 'policy exploration' }),
      });
    }
    if (record.policy.reached) record.policy = { ...record.policy, ...(await session.visibleText()) };
    await record.screenshot('privacy-policy');
    const { policy } = record;
    ctx.progress.detail(
      policy.reached
        ? `privacy policy reached in ${policy.taps} tap(s): ${policy.path.join(' → ')}`
        : 'privacy policy not reached',
    );
  },
};

/** Runs a scenario's steps in order on an open session. */
export async function runSteps(ctx: StepContext, steps: readonly ScenarioStep[]): Promise<void> {
  for (const step of steps) await (stepHandlers[step.step] as Handler<StepKind>)(ctx, step);
}

/**
 * Finds the consent dialog at launch and stamps whether it was shown. With no consent block in
 * the manifest, a dialog nothing found with confidence ends the scenario in
 * CONF_CONSENT_NOT_FOUND with the candidates seen: the harness never guesses silently.
 */
async function findDialog(ctx: StepContext): Promise<ConsentLocation> {
  const at = Date.now();
  const location = await ctx.session.locateConsent(ctx.manifest.consent, ctx.dialogTimeoutMs);
  ctx.consent = location;
  const selector = location.dialog ?? location.accept;
  ctx.record.stamp(location.found ? 'dialog-shown' : 'dialog-absent', at, {
    ...(selector ? { selector } : {}),
    detail: 'after launch',
  });
  if (!location.found && !ctx.manifest.consent) throw consentNotFound(location, ctx.url);
  return location;
}

/**
 * Accepts or refuses through the dialog found at launch (the CMP rule's own steps, or a tap on
 * the control, through "settings" when the first layer has no reject), stamps it with how the
 * control was found, and reads the TCF signal afterwards. False when the dialog offers no
 * control for that choice: a refusal that is not offered is recorded, never invented.
 */
async function makeChoice(ctx: StepContext, choice: 'accept' | 'reject', required = true): Promise<boolean> {
  const action = choice === 'accept' ? 'consent-accept' : 'consent-reject';
  const at = Date.now();
  const made = ctx.consent ? await ctx.session.chooseConsent(choice, ctx.consent) : undefined;
  if (!made) {
    if (choice === 'reject') {
      if (required) ctx.progress.warn('the consent dialog offers no reject control: nothing to refuse with');
      return false;
    }
    throw new ConformanceError(ErrorCodes.SELECTOR_NOT_FOUND, 'no accept control was found in the consent dialog', {
      hint: 'name it in the manifest: consent.accept',
    });
  }
  const how =
    made.source.method === 'heuristic' ? `heuristic ${made.source.confidence}` : (made.source.rule ?? made.source.method);
  const again = made.retapped
    ? '; tapped again: the dialog was still shown after the first tap'
    : made.frameClosed
      ? "; the dialog's iframe closed before the rule reported its result"
      : '';
  ctx.record.stamp(action, at, { selector: made.selector, detail: `${how}, ${made.tapsAway} tap(s) away${again}` });
  ctx.progress.detail(`${action} (${made.selector}, ${how}${again})`);
  const dialog = ctx.record.dialog;
  if (choice === 'reject' && dialog && made.tapsAway > 0) {
    dialog.found = { ...dialog.found, reject: dialog.found?.reject ?? made.source };
    if (made.measure && !dialog.controls?.reject) dialog.controls = { ...dialog.controls, reject: made.measure };
  }
  const reading = await ctx.session.readTcf();
  if (reading) ctx.record.tcf.push({ after: action, at: Date.now(), ...reading });
  return true;
}

/**
 * Plays the journey once. Returns the selector of the first step whose element is not on
 * screen (before anything of that step ran), or undefined when every step ran.
 */
async function playJourney(ctx: StepContext, journey: readonly JourneyStep[], typing: boolean): Promise<string | undefined> {
  const { session, record } = ctx;
  for (const step of journey) {
    if ('wait' in step) {
      await record.mark('wait', () => sleep(step.wait), { detail: `${step.wait} ms` });
      continue;
    }
    if ('type' in step && !typing) continue;
    const selector = 'tap' in step ? step.tap : step.type;
    if (!(await session.waitForDisplayed(selector, ctx.dialogTimeoutMs))) return selector;
    if ('tap' in step) await record.mark('tap', () => session.tap(step.tap), { selector });
    else
      await record.mark('type', () => session.type(step.type, expandPersona(step.text, ctx.persona)), {
        selector,
        detail: step.text,
      });
  }
  return undefined;
}

/** Restarts the app at its entry in the same profile, keeping the API events recorded so far. */
async function restart(ctx: StepContext, detail: string): Promise<void> {
  await ctx.record.drainEvents();
  await ctx.record.mark('relaunch', () => ctx.session.relaunch(ctx.url), { detail });
}

/**
 * How long to watch for the consent dialog after a relaunch: three times what it took at launch
 * plus a second, at least 2 s, at most the dialog timeout. An app whose dialog was never seen
 * at launch gets the whole dialog timeout.
 */
export function relaunchDialogWait(launchDelayMs: number | undefined, dialogTimeoutMs: number): number {
  if (launchDelayMs === undefined) return dialogTimeoutMs;
  return Math.min(dialogTimeoutMs, Math.max(RELAUNCH_DIALOG_MIN_MS, 3 * launchDelayMs + 1_000));
}
export const RELAUNCH_DIALOG_MIN_MS = 2_000;

/**
 * Watches the whole window. A timer may fire a millisecond early by the wall clock the window is
 * measured with, so it waits until that clock says the window is over: the recorded window is
 * never shorter than the planned one.
 */
export async function watchWindow(start: number, windowMs: number): Promise<'window'> {
  for (let left = windowMs; left > 0; left = windowMs - (Date.now() - start)) await sleep(left);
  return 'window';
}

/** Watches until the window is over, or until no request was recorded for `quietMs` (never less than `quietMs` in all). */
async function watchUntilQuiet(
  start: number,
  windowMs: number,
  settle: { quietMs: number; lastFlowAt(): number },
): Promise<'window' | 'quiet'> {
  for (;;) {
    const now = Date.now();
    if (now - start >= windowMs) return 'window';
    if (now - Math.max(start, settle.lastFlowAt()) >= settle.quietMs) return 'quiet';
    await sleep(Math.min(SETTLE_POLL_MS, windowMs - (now - start)));
  }
}
const SETTLE_POLL_MS = 100;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
