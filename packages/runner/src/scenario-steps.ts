import {
  ConformanceError,
  ErrorCodes,
  type AppManifest,
  type ConsentLocator,
  type DeviceSession,
  type JourneyStep,
  type LocatedControl,
  type ScenarioStep,
  type StepKind,
} from '@conformance/core';
import { expandPersona, type Persona } from './persona.js';
import type { Progress } from './progress.js';
import { explorePolicy, POLICY_MAX_DEPTH } from './policy.js';
import type { ScenarioRecorder } from './scenario-record.js';

/** How long the app stays in the background in a `background` step. */
export const BACKGROUND_HOLD_MS = 2_000;

/** Everything a step may use: the open session, the consent locator, and the recorder it adds to. */
export interface StepContext {
  session: DeviceSession;
  manifest: AppManifest;
  url: string;
  persona: Persona;
  observationMs: number;
  dialogTimeoutMs: number;
  backgroundMs: number;
  consent: ConsentLocator;
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
    const shown = await findDialog(ctx, 'launch');
    const facts = shown
      ? await inspectDialog(ctx, shown)
      : { shown: false, rejectOnFirstLayer: false, rejectSelector: null, toggles: [], policyLink: false, buttons: [] };
    ctx.record.dialog = { ...facts, screenshot: await ctx.record.screenshot('consent-dialog') };
    ctx.progress.detail(
      shown
        ? `consent dialog shown (reject on first layer: ${facts.rejectOnFirstLayer ? 'yes' : 'no'}, ${facts.toggles.filter((t) => t.checked).length} pre-ticked of ${facts.toggles.length})`
        : `no consent dialog appeared within ${ctx.dialogTimeoutMs} ms`,
    );
  },

  async choose(ctx, { choice }) {
    if (choice === 'dismiss') {
      if (!ctx.record.dialog?.shown) return;
      const reject = await ctx.consent.control(ctx.session, 'reject');
      return tapChoice(ctx, reject ? 'reject' : 'accept');
    }
    await tapChoice(ctx, choice);
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
    if (!path?.length) {
      throw new ConformanceError(ErrorCodes.MANIFEST_INVALID, 'the withdraw scenario needs the manifest\'s "withdraw" path', {
        hint: 'add withdraw: [selectors tapped to withdraw consent] to the manifest, or leave withdraw out of --scenarios',
      });
    }
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
    const shown = await findDialog(ctx, 'relaunch');
    if (dialog === 'record') {
      ctx.record.repromptedAfterRelaunch = shown !== null;
      await ctx.record.screenshot('after-relaunch');
      ctx.progress.detail(shown ? 'the consent dialog was shown again' : 'the consent dialog stayed closed');
      return;
    }
    if (!shown) return;
    // The dialog came back (the app forgot the earlier choice): refuse again, as a person who
    // withdrew would. A plain tap, so the phase the scenario is in does not change.
    const reject = await ctx.consent.control(ctx.session, 'reject');
    if (!reject) {
      ctx.progress.warn('the consent dialog came back after relaunching and offers no reject control; it stays open');
      return;
    }
    ctx.progress.detail(`the consent dialog came back after relaunching: refusing again (${reject.selector})`);
    await ctx.record.mark('tap', () => ctx.session.tap(reject.selector), {
      selector: reject.selector,
      detail: 'refused again: the consent dialog came back after relaunching',
    });
  },

  async background(ctx) {
    ctx.progress.detail(`sending the app to the background for ${(ctx.backgroundMs / 1000).toFixed(1)} s`);
    await ctx.record.mark('background', () => ctx.session.background());
    await sleep(ctx.backgroundMs);
    await ctx.record.mark('foreground', () => ctx.session.foreground());
  },

  async observe(ctx) {
    ctx.progress.detail(`observing for ${(ctx.observationMs / 1000).toFixed(1)} s`);
    await ctx.record.mark('observe', () => sleep(ctx.observationMs), { detail: `${ctx.observationMs} ms` });
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

/** Asks the consent locator for the dialog and stamps whether it was shown. */
async function findDialog(ctx: StepContext, after: 'launch' | 'relaunch') {
  const at = Date.now();
  const found = await ctx.consent.dialog(ctx.session, ctx.dialogTimeoutMs);
  ctx.record.stamp(found ? 'dialog-shown' : 'dialog-absent', at, {
    ...(found ? { selector: found.selector } : {}),
    detail: `after ${after}`,
  });
  return found;
}

async function inspectDialog(ctx: StepContext, dialog: LocatedControl) {
  const reject = await ctx.consent.control(ctx.session, 'reject');
  const accept = await ctx.consent.control(ctx.session, 'accept');
  const policyLink = await ctx.consent.policyLink(ctx.session);
  const facts = await ctx.session.inspectDialog(dialog.selector, reject?.selector, policyLink?.selector);
  const found = {
    dialog: dialog.found,
    ...(accept ? { accept: accept.found } : {}),
    ...(reject ? { reject: reject.found } : {}),
  };
  return { ...facts, found: facts.found ?? found };
}

/** Taps the control the locator names for `choice`; a refusal the dialog does not offer is recorded, not invented. */
async function tapChoice(ctx: StepContext, choice: 'accept' | 'reject'): Promise<void> {
  const control = await ctx.consent.control(ctx.session, choice);
  if (!control) {
    if (choice === 'reject') {
      ctx.progress.warn('the consent dialog offers no reject control: nothing to refuse with');
      return;
    }
    throw new ConformanceError(ErrorCodes.SELECTOR_NOT_FOUND, 'no accept control was found in the consent dialog', {
      hint: 'name it in the manifest: consent.accept',
    });
  }
  const action = choice === 'accept' ? 'consent-accept' : 'consent-reject';
  ctx.progress.detail(`${action} (${control.selector})`);
  await ctx.record.mark(action, () => ctx.session.tap(control.selector), { selector: control.selector });
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
