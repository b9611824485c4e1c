import type { ScenarioName } from './evidence.js';
import { platforms, type Platform } from './platform-names.js';

/**
 * Scenarios as data: each one is a list of steps and the options of its session. One engine
 * (the runner's) executes every plan; nothing in it depends on a scenario's name.
 *
 * - `launch`      open the app at its entry, in the scenario's fresh profile
 * - `dialog`      wait for the consent dialog, record what it offers, screenshot it
 * - `choose`      accept or reject in the dialog; `dismiss` closes it the least invasive way
 *                 (reject when offered) just to reach the main UI
 * - `journey`     the manifest's journey (typing the persona only when `typing`); a step whose
 *                 element is missing is retried once from the entry before the scenario errors
 * - `withdraw`    the manifest's withdraw path
 * - `relaunch`    restart the app in the same profile (the choice is kept). `dialog: 'record'`
 *                 records whether the consent dialog came back; `'refuse-again'` taps reject when
 *                 it does (a plain tap: the phase stays what it was, e.g. after-withdraw)
 * - `background`  send the app to the background, hold it there, bring it back
 * - `observe`     watch the traffic for the observation window; with `settle`, the window may
 *                 end early once the network has been quiet for the settle interval (the
 *                 evidence records how long it really watched and why it stopped)
 * - `policy`      reach the privacy policy (the manifest's path, or bounded exploration)
 */
export type ScenarioStep =
  | { step: 'launch' }
  | { step: 'dialog' }
  | { step: 'choose'; choice: 'accept' | 'reject' | 'dismiss' }
  | { step: 'journey'; typing: boolean }
  | { step: 'withdraw' }
  | { step: 'relaunch'; dialog?: 'record' | 'refuse-again' }
  | { step: 'background' }
  | { step: 'observe'; settle?: boolean }
  | { step: 'policy' };
export type StepKind = ScenarioStep['step'];

export interface ScenarioPlan {
  /** What the scenario proves, for progress output and docs. */
  proves: string;
  steps: readonly ScenarioStep[];
  session: {
    /** Send Sec-GPC: 1 and define navigator.globalPrivacyControl before any page script. */
    gpc: boolean;
  };
  /** The platforms the scenario means something on. */
  platforms: readonly Platform[];
  /**
   * Also on native apps of these platforms whose manifest marks their UI as a web view
   * (`webView`): the session sets the scenario's browser signals inside that web view.
   */
  webViews?: readonly Platform[];
}

/** What decides which scenarios apply to an app: its platform and whether its UI is a web view. */
export interface ScenarioTarget {
  platform: Platform;
  /** The manifest's `webView` marker (native apps only). */
  webView?: boolean | { context: string };
}

const everywhere: readonly Platform[] = platforms;
const launch = [{ step: 'launch' }, { step: 'dialog' }] as const;
/** Ends every scenario after a choice: what leaves when the app goes to the background counts too. */
const backgroundThenObserve = [{ step: 'background' }, { step: 'observe' }] as const;
/**
 * The same, where the window may end once the network is quiet: after a refusal or a
 * withdrawal the question is whether anything leaves at all, and the journey, the relaunch and
 * the background step before it have already given every SDK its occasions to send. `idle`
 * (a delayed start is a known way to hide from scanners) and `accept` (the timer-driven beacon
 * check needs its long quiet stretch) always watch the whole window.
 */
const backgroundThenSettle = [{ step: 'background' }, { step: 'observe', settle: true }] as const;

/** The consent protocol of the harness, one plan per scenario. */
export const scenarioPlans: Readonly<Record<ScenarioName, ScenarioPlan>> = {
  idle: {
    proves: 'what is sent before any choice',
    steps: [...launch, { step: 'observe' }],
    session: { gpc: false },
    platforms: everywhere,
  },
  refuse: {
    proves: 'nothing personal is sent after refusal, and the dialog is not forced again on relaunch',
    steps: [
      ...launch,
      { step: 'choose', choice: 'reject' },
      { step: 'journey', typing: false },
      { step: 'relaunch', dialog: 'record' },
      ...backgroundThenSettle,
    ],
    session: { gpc: false },
    platforms: everywhere,
  },
  accept: {
    proves: 'optional fields stay off by default; payload protection; what the SDK list declares',
    steps: [...launch, { step: 'choose', choice: 'accept' }, { step: 'journey', typing: true }, ...backgroundThenObserve],
    session: { gpc: false },
    platforms: everywhere,
  },
  withdraw: {
    proves: 'collection stops at once after withdrawal, stays stopped after a relaunch and in the background',
    steps: [
      ...launch,
      { step: 'choose', choice: 'accept' },
      { step: 'journey', typing: true },
      { step: 'withdraw' },
      // Use the app again at once, from wherever the withdraw path left it (from the entry
      // when the journey's first element is not there) …
      { step: 'journey', typing: false },
      // … then reopen it in the same profile, which proves the withdrawal persisted.
      { step: 'relaunch', dialog: 'refuse-again' },
      { step: 'journey', typing: false },
      ...backgroundThenSettle,
    ],
    session: { gpc: false },
    platforms: everywhere,
  },
  policy: {
    proves: 'the privacy policy is reachable within 4 taps',
    steps: [...launch, { step: 'choose', choice: 'dismiss' }, { step: 'policy' }],
    session: { gpc: false },
    platforms: everywhere,
  },
  gpc: {
    proves: 'Global Privacy Control is honoured',
    steps: [...launch, { step: 'choose', choice: 'accept' }, { step: 'journey', typing: true }, ...backgroundThenSettle],
    session: { gpc: true },
    // A browser signal: the harness can only send it where it drives a browser: the web, and
    // the web view of an Android app whose manifest says webView (through chromedriver's
    // DevTools passthrough; an iOS web view has no DevTools protocol to set the header with).
    platforms: ['web'],
    webViews: ['android'],
  },
};

/** Whether a scenario means something on the app: its platform is listed, or it is a native web-view app of a platform the plan lists under webViews. */
export function scenarioApplies(name: ScenarioName, target: ScenarioTarget): boolean {
  const plan = scenarioPlans[name];
  if (plan.platforms.includes(target.platform)) return true;
  const webView = target.webView !== undefined && target.webView !== false;
  return webView && target.platform !== 'web' && (plan.webViews ?? []).includes(target.platform);
}

/**
 * What `conformance run` runs when no --scenarios is given: every scenario that applies to the
 * app (a platform name alone stands for an app that is not a web view).
 */
export function defaultScenariosFor(target: Platform | ScenarioTarget): ScenarioName[] {
  const app = typeof target === 'string' ? { platform: target } : target;
  return (Object.keys(scenarioPlans) as ScenarioName[]).filter((name) => scenarioApplies(name, app));
}
