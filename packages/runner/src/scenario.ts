import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConformanceError,
  consentNotFound,
  ErrorCodes,
  errorToData,
  isThirdParty,
  splitRecords,
  type ApiEvent,
  type AppManifest,
  type CaptureSummary,
  type ConsentLocation,
  type DeviceSession,
  type DialogFacts,
  type PolicyOutcome,
  type RequestInitiator,
  type RunningProxy,
  type ScenarioEvidence,
  type ScenarioName,
  type ScenarioRecord,
  type StorageSnapshot,
  type TimelineAction,
  type TimelineEntry,
} from '@conformance/core';
import { BundleFiles, classifyDestination } from '@conformance/analyzer';
import { readJournal } from '@conformance/proxy-mitmproxy';
import { expandPersona, type Persona } from './persona.js';
import type { Progress } from './progress.js';
import { explorePolicy, POLICY_MAX_DEPTH } from './policy.js';

export interface Geolocation {
  latitude: number;
  longitude: number;
  accuracy: number;
}

export interface ScenarioContext {
  name: ScenarioName;
  manifest: AppManifest;
  /** The app's entry URL as the device opens it. */
  url: string;
  /** evidence/<scenario>/ */
  dir: string;
  observationMs: number;
  /** How long the consent dialog may take to appear at launch. */
  dialogTimeoutMs: number;
  /** The whole scenario must end within this; past it the scenario is an error. */
  deadlineMs: number;
  persona: Persona;
  geolocation?: Geolocation;
  startProxy(journalPath: string, onFlow: (host: string, line: string) => void): Promise<RunningProxy>;
  openSession(options: { proxyUrl: string; gpc: boolean }): Promise<DeviceSession>;
  progress: Progress;
}

/** What each scenario does, step by step (the consent protocol of DESIGN.md). */
const scripts: Record<ScenarioName, (run: ScenarioSteps) => Promise<void>> = {
  async idle(run) {
    await run.launch();
    await run.consentDialog();
    await run.observe();
  },
  async refuse(run) {
    await run.launch();
    await run.consentDialog();
    await run.refuse();
    await run.journey({ typing: false });
    await run.relaunch();
    await run.observe();
  },
  async accept(run) {
    await run.launch();
    await run.consentDialog();
    await run.choose('consent-accept');
    await run.journey({ typing: true });
    await run.observe();
  },
  async withdraw(run) {
    await run.launch();
    await run.consentDialog();
    await run.choose('consent-accept');
    await run.journey({ typing: true });
    await run.withdraw();
    await run.journey({ typing: false });
    await run.observe();
  },
  async policy(run) {
    await run.launch();
    await run.consentDialog();
    await run.dismissDialog();
    await run.findPolicy();
  },
  async gpc(run) {
    await run.launch();
    await run.consentDialog();
    await run.choose('consent-accept');
    await run.journey({ typing: true });
    await run.observe();
  },
};

export interface ScenarioSteps {
  manifest: AppManifest;
  launch(): Promise<void>;
  /** Waits for the consent dialog, records what it offers and screenshots it. */
  consentDialog(): Promise<void>;
  /** Accepts or refuses through the dialog found at launch; false when it offers no control for that. */
  choose(action: 'consent-accept' | 'consent-reject'): Promise<boolean>;
  /** Taps the reject control; when the manifest names none, records that no refusal was possible. */
  refuse(): Promise<void>;
  /** Closes the dialog the least invasive way (reject if possible) to reach the main UI. */
  dismissDialog(): Promise<void>;
  journey(options: { typing: boolean }): Promise<void>;
  relaunch(): Promise<void>;
  withdraw(): Promise<void>;
  findPolicy(): Promise<void>;
  observe(): Promise<void>;
}

/**
 * Runs one scenario from a clean state: its own proxy and journal, a fresh device
 * session, every UI action stamped on the timeline. Whatever happens, the session and
 * proxy are closed and the evidence gathered so far is written.
 */
export async function runScenario(ctx: ScenarioContext): Promise<ScenarioEvidence> {
  await mkdir(ctx.dir, { recursive: true });
  const journalPath = join(ctx.dir, BundleFiles.flows);
  const timeline: TimelineEntry[] = [];
  const screenshots: string[] = [];
  const events: ApiEvent[] = [];
  const startedAt = Date.now();
  const gpc = ctx.name === 'gpc';
  let session: DeviceSession | undefined;
  let proxy: RunningProxy | undefined;
  let failure: unknown;
  let capture: CaptureSummary | undefined;
  let dialog: DialogFacts | undefined;
  let reprompted: boolean | undefined;
  let policy: PolicyOutcome | undefined;
  let initiators: RequestInitiator[] | undefined;
  let storage: StorageSnapshot | undefined;
  let consent: ConsentLocation | undefined;
  const tcf: NonNullable<ScenarioRecord['tcf']> = [];

  const live = () => {
    if (!session) throw new ConformanceError(ErrorCodes.SESSION_FAILED, 'the device session is not open');
    return session;
  };
  const mark = async <T>(action: TimelineAction, work: () => Promise<T>, extra: Partial<TimelineEntry> = {}) => {
    const at = Date.now();
    const result = await work();
    timeline.push({ action, at, done: Date.now(), ...extra });
    return result;
  };
  const screenshot = async (name: string, outline?: string[]) => {
    const file = `${name}.png`;
    await mark('screenshot', () => live().screenshot(join(ctx.dir, file), outline), { detail: file });
    screenshots.push(file);
    return file;
  };
  const drain = async () => {
    events.push(...(await live().drainEvents()));
  };
  const dialogShown = async (action: 'launch' | 'relaunch') => {
    const at = Date.now();
    if (action === 'launch') consent = await live().locateConsent(ctx.manifest.consent, ctx.dialogTimeoutMs);
    const selector = consent?.dialog ?? consent?.accept;
    const shown =
      action === 'launch' ? consent!.found : selector ? await live().waitForDisplayed(selector, ctx.dialogTimeoutMs) : false;
    timeline.push({
      action: shown ? 'dialog-shown' : 'dialog-absent',
      at,
      done: Date.now(),
      ...(selector ? { selector } : {}),
      detail: `after ${action}`,
    });
    if (!shown && !ctx.manifest.consent && action === 'launch') throw consentNotFound(consent!, ctx.url);
    return shown;
  };

  const steps: ScenarioSteps = {
    manifest: ctx.manifest,
    async launch() {
      ctx.progress.detail(`launching ${ctx.url}${gpc ? ' with Global Privacy Control on' : ''}`);
      await mark('launch', () => live().launch(ctx.url), { detail: ctx.url });
    },
    async consentDialog() {
      const shown = await dialogShown('launch');
      const found = consent!;
      const facts =
        shown && found.dialog
          ? await live().inspectDialog(found.dialog, found.reject, found.policyLink, found.accept)
          : {
              shown,
              rejectOnFirstLayer: shown && !!found.reject,
              rejectSelector: found.reject ?? null,
              toggles: [],
              policyLink: false,
              buttons: [],
            };
      const outline = shown ? [found.accept, found.reject].filter((selector) => selector !== undefined) : [];
      dialog = { ...facts, found: found.sources, screenshot: await screenshot('consent-dialog', outline) };
      ctx.progress.detail(
        shown
          ? `consent dialog shown (reject on first layer: ${facts.rejectOnFirstLayer ? 'yes' : 'no'}, ${facts.toggles.filter((t) => t.checked).length} pre-ticked of ${facts.toggles.length})`
          : `consent dialog ${found.dialog} did not appear within ${ctx.dialogTimeoutMs} ms`,
      );
    },
    async choose(action) {
      const choice = action === 'consent-accept' ? 'accept' : 'reject';
      const at = Date.now();
      const made = consent ? await live().chooseConsent(choice, consent) : undefined;
      if (!made) return false;
      const how =
        made.source.method === 'heuristic' ? `heuristic ${made.source.confidence}` : (made.source.rule ?? made.source.method);
      timeline.push({ action, at, done: Date.now(), selector: made.selector, detail: `${how}, ${made.tapsAway} tap(s) away` });
      ctx.progress.detail(`${action} (${made.selector}, ${how})`);
      if (choice === 'reject' && dialog && made.tapsAway > 0) {
        dialog.found = { ...dialog.found, reject: dialog.found?.reject ?? made.source };
        if (made.measure && !dialog.controls?.reject) dialog.controls = { ...dialog.controls, reject: made.measure };
      }
      const reading = await live().readTcf();
      if (reading) tcf.push({ after: action, at: Date.now(), ...reading });
      return true;
    },
    async refuse() {
      if (!(await steps.choose('consent-reject')))
        ctx.progress.warn('the dialog offers no reject control: nothing to refuse with');
    },
    async dismissDialog() {
      if (!dialog?.shown) return;
      if (!(await steps.choose('consent-reject'))) await steps.choose('consent-accept');
    },
    async journey({ typing }) {
      for (const step of ctx.manifest.journey) {
        if ('tap' in step) await mark('tap', () => live().tap(step.tap), { selector: step.tap });
        else if ('wait' in step) await mark('wait', () => sleep(step.wait), { detail: `${step.wait} ms` });
        else if (typing)
          await mark('type', () => live().type(step.type, expandPersona(step.text, ctx.persona)), {
            selector: step.type,
            detail: step.text,
          });
      }
    },
    async relaunch() {
      await drain();
      ctx.progress.detail('relaunching the app');
      await mark('relaunch', () => live().relaunch(ctx.url), { detail: ctx.url });
      reprompted = await dialogShown('relaunch');
      await screenshot('after-relaunch');
      ctx.progress.detail(reprompted ? 'the consent dialog was shown again' : 'the consent dialog stayed closed');
    },
    async withdraw() {
      const path = ctx.manifest.withdraw;
      if (!path?.length) {
        throw new ConformanceError(ErrorCodes.MANIFEST_INVALID, 'the withdraw scenario needs the manifest\'s "withdraw" path', {
          hint: 'add withdraw: [selectors tapped to withdraw consent] to the manifest, or leave withdraw out of --scenarios',
        });
      }
      ctx.progress.detail(`withdrawing consent (${path.join(' → ')})`);
      for (const [index, selector] of path.entries()) {
        await mark(index === path.length - 1 ? 'withdraw' : 'tap', () => live().tap(selector), { selector });
      }
      await screenshot('after-withdraw');
    },
    async findPolicy() {
      const path = ctx.manifest.privacyPolicy?.path;
      if (path) {
        let taps = 0;
        for (const selector of path) {
          const found = await live().waitForDisplayed(selector, ctx.dialogTimeoutMs);
          if (!found) break;
          await mark('tap', () => live().tap(selector), { selector, detail: 'privacy policy path' });
          taps++;
        }
        const reached = taps === path.length && (await live().showsPrivacyPolicy());
        policy = { reached, taps: reached ? taps : null, path: path.slice(0, taps), method: 'manifest-path', explored: 1 };
      } else {
        policy = await explorePolicy(live(), {
          url: ctx.url,
          maxDepth: POLICY_MAX_DEPTH,
          reset: async () => {
            await drain();
            await mark('relaunch', () => live().relaunch(ctx.url), { detail: 'policy exploration' });
          },
          tap: (selector) => mark('tap', () => live().tap(selector), { selector, detail: 'policy exploration' }),
        });
      }
      if (policy.reached) policy = { ...policy, ...(await live().visibleText()) };
      await screenshot('privacy-policy');
      ctx.progress.detail(
        policy.reached
          ? `privacy policy reached in ${policy.taps} tap(s): ${policy.path.join(' → ')}`
          : 'privacy policy not reached',
      );
    },
    async observe() {
      ctx.progress.detail(`observing for ${(ctx.observationMs / 1000).toFixed(1)} s`);
      await mark('observe', () => sleep(ctx.observationMs), { detail: `${ctx.observationMs} ms` });
      await screenshot('end');
    },
  };

  const timer = deadline(ctx.deadlineMs, ctx.name);
  try {
    proxy = await ctx.startProxy(journalPath, (host, line) => {
      const destination = classifyDestination(host, ctx.manifest);
      if (isThirdParty(destination)) ctx.progress.detail(`→ ${line} (${destination.sdk ?? 'third party'})`);
    });
    const crashed = proxy.crashed;
    session = await Promise.race([ctx.openSession({ proxyUrl: proxy.url, gpc }), crashed, timer.expired]);
    await Promise.race([scripts[ctx.name](steps), crashed, timer.expired]);
    await Promise.race([
      (async () => {
        await drain();
        initiators = await live().requestInitiators();
        storage = await live().storage();
      })(),
      crashed,
      timer.expired,
    ]);
  } catch (error) {
    failure = error;
    ctx.progress.warn(
      `${ctx.name}: ${error instanceof ConformanceError ? `[${error.code}] ${error.describe()}` : String(error)}`,
    );
  } finally {
    timer.cancel();
    if (session) {
      if (failure) await withTimeout(screenshot('error'), 5_000).catch(() => undefined);
      await withTimeout(session.close(), 30_000).catch((error: unknown) =>
        ctx.progress.warn(`closing the session: ${String(error)}`),
      );
    }
    if (proxy) capture = await proxy.stop();
  }

  const journal = await readJournal(journalPath);
  const { flows, tlsFailures } = splitRecords(journal.records);
  const record: ScenarioRecord = {
    scenario: ctx.name,
    status: failure ? 'error' : 'completed',
    startedAt,
    endedAt: Date.now(),
    ...(failure ? { error: errorToData(failure) } : {}),
    observationMs: ctx.observationMs,
    url: ctx.url,
    timeline,
    capture: {
      ready: capture?.ready ?? false,
      journaled: capture?.journaled ?? journal.records.length,
      streamed: capture?.streamed ?? 0,
      missingFromStream: capture?.missingFromStream ?? [],
      ...(capture?.proxyExit ? { proxyExit: capture.proxyExit } : {}),
    },
    screenshots,
    ...(dialog ? { dialog } : {}),
    ...(reprompted !== undefined ? { repromptedAfterRelaunch: reprompted } : {}),
    ...(policy ? { policy } : {}),
    gpc,
    ...(session ? { stealth: [...session.stealth] } : {}),
    ...(tcf.length ? { tcf } : {}),
    ...(ctx.geolocation ? { geolocation: ctx.geolocation } : {}),
  };
  const { timeline: _timeline, ...withoutTimeline } = record;
  await writeJson(join(ctx.dir, BundleFiles.scenario), withoutTimeline);
  await writeJson(join(ctx.dir, BundleFiles.timeline), timeline);
  await writeJson(join(ctx.dir, BundleFiles.events), events);
  if (initiators) await writeJson(join(ctx.dir, BundleFiles.initiators), initiators);
  if (storage) await writeJson(join(ctx.dir, BundleFiles.storage), storage);
  return { ...record, flows, tlsFailures, events, ...(initiators ? { initiators } : {}), ...(storage ? { storage } : {}) };
}

function writeJson(file: string, value: unknown): Promise<void> {
  return writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deadline(ms: number, scenario: string): { expired: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConformanceError(ErrorCodes.SCENARIO_TIMEOUT, `scenario ${scenario} did not finish within ${ms} ms`, {
            hint: 'the app or the device stopped answering; see the scenario screenshots and logs, or raise --scenario-timeout',
          }),
        ),
      ms,
    );
  });
  expired.catch(() => undefined);
  return { expired, cancel: () => clearTimeout(timer) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
