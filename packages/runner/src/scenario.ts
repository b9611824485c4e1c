import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConformanceError,
  ErrorCodes,
  errorToData,
  isThirdParty,
  splitRecords,
  type AppManifest,
  type CaptureSummary,
  type RunningProxy,
  type DeviceSession,
  type ScenarioEvidence,
  type ScenarioName,
  type ScenarioRecord,
  type TimelineAction,
  type TimelineEntry,
} from '@conformance/core';
import { BundleFiles, classifyDestination } from '@conformance/analyzer';
import { readJournal } from '@conformance/proxy-mitmproxy';
import { expandPersona, type Persona } from './persona.js';
import type { Progress } from './progress.js';

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
  startProxy(journalPath: string, onFlow: (host: string, line: string) => void): Promise<RunningProxy>;
  openSession(proxyUrl: string): Promise<DeviceSession>;
  progress: Progress;
}

/** What each scenario does, step by step (the consent protocol of DESIGN.md). */
const scripts: Record<ScenarioName, (run: ScenarioSteps) => Promise<void>> = {
  async idle(run) {
    await run.launch();
    await run.consentDialog();
    await run.observe();
  },
  async accept(run) {
    await run.launch();
    await run.consentDialog();
    await run.choose('consent-accept', run.manifest.consent.accept);
    await run.journey();
    await run.observe();
  },
};

interface ScenarioSteps {
  manifest: AppManifest;
  launch(): Promise<void>;
  consentDialog(): Promise<void>;
  choose(action: TimelineAction, selector: string): Promise<void>;
  journey(): Promise<void>;
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
  const startedAt = Date.now();
  let session: DeviceSession | undefined;
  let proxy: RunningProxy | undefined;
  let failure: unknown;
  let capture: CaptureSummary | undefined;

  const mark = async <T>(action: TimelineAction, work: () => Promise<T>, extra: Partial<TimelineEntry> = {}) => {
    const at = Date.now();
    const result = await work();
    timeline.push({ action, at, done: Date.now(), ...extra });
    return result;
  };
  const screenshot = async (name: string) => {
    if (!session) return;
    const file = `${name}.png`;
    await mark('screenshot', () => session!.screenshot(join(ctx.dir, file)), { detail: file });
    screenshots.push(file);
  };

  const steps: ScenarioSteps = {
    manifest: ctx.manifest,
    async launch() {
      ctx.progress.detail(`launching ${ctx.url}`);
      await mark('launch', () => session!.launch(ctx.url), { detail: ctx.url });
    },
    async consentDialog() {
      const selector = ctx.manifest.consent.dialog;
      const at = Date.now();
      const shown = await session!.waitForDisplayed(selector, ctx.dialogTimeoutMs);
      timeline.push({ action: shown ? 'dialog-shown' : 'dialog-absent', at, done: Date.now(), selector });
      ctx.progress.detail(
        shown ? 'consent dialog shown' : `consent dialog ${selector} did not appear within ${ctx.dialogTimeoutMs} ms`,
      );
      await screenshot('consent-dialog');
    },
    async choose(action, selector) {
      ctx.progress.detail(`${action} (${selector})`);
      await mark(action, () => session!.tap(selector), { selector });
    },
    async journey() {
      for (const step of ctx.manifest.journey) {
        if ('tap' in step) await mark('tap', () => session!.tap(step.tap), { selector: step.tap });
        else if ('wait' in step) await mark('wait', () => sleep(step.wait), { detail: `${step.wait} ms` });
        else
          await mark('type', () => session!.type(step.type, expandPersona(step.text, ctx.persona)), {
            selector: step.type,
            detail: step.text,
          });
      }
    },
    async observe() {
      ctx.progress.detail(`observing for ${(ctx.observationMs / 1000).toFixed(1)} s`);
      await mark('observe', () => sleep(ctx.observationMs), { detail: `${ctx.observationMs} ms` });
      await screenshot('end');
    },
  };

  try {
    proxy = await ctx.startProxy(journalPath, (host, line) => {
      const destination = classifyDestination(host, ctx.manifest);
      if (isThirdParty(destination)) ctx.progress.detail(`→ ${line} (${destination.sdk ?? 'third party'})`);
    });
    const crashed = proxy.crashed;
    session = await Promise.race([ctx.openSession(proxy.url), crashed]);
    await Promise.race([scripts[ctx.name](steps), crashed, deadline(ctx.deadlineMs, ctx.name)]);
  } catch (error) {
    failure = error;
    ctx.progress.warn(`${ctx.name}: ${error instanceof ConformanceError ? error.describe() : String(error)}`);
  } finally {
    if (session) {
      if (failure) await screenshot('error').catch(() => undefined);
      await withTimeout(session.close(), 20_000).catch((error: unknown) =>
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
  };
  const { timeline: _timeline, ...withoutTimeline } = record;
  await writeFile(join(ctx.dir, BundleFiles.scenario), `${JSON.stringify(withoutTimeline, null, 2)}\n`);
  await writeFile(join(ctx.dir, BundleFiles.timeline), `${JSON.stringify(timeline, null, 2)}\n`);
  return { ...record, flows, tlsFailures };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deadline(ms: number, scenario: string): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new ConformanceError(ErrorCodes.SCENARIO_TIMEOUT, `scenario ${scenario} did not finish within ${ms} ms`, {
            hint: 'the app or the device stopped answering; see the scenario screenshots and logs, or raise --scenario-timeout',
          }),
        ),
      ms,
    );
    timer.unref();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}
