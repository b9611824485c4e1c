import { mkdir } from 'node:fs/promises';
import {
  ConformanceError,
  ErrorCodes,
  errorToData,
  scenarioPlans,
  type AppManifest,
  type CaptureSummary,
  type DeviceSession,
  type ProxyRecord,
  type RunningProxy,
  type ScenarioEvidence,
  type ScenarioName,
  type ScenarioPlan,
} from '@conformance/core';
import { readJournal } from '@conformance/proxy-mitmproxy';
import type { Persona } from './persona.js';
import type { Progress } from './progress.js';
import { ScenarioRecorder } from './scenario-record.js';
import { scenarioJournalPath, writeScenarioEvidence, type DeviceLeftovers } from './scenario-evidence.js';
import { BACKGROUND_HOLD_MS, runSteps } from './scenario-steps.js';

export interface Geolocation {
  latitude: number;
  longitude: number;
  accuracy: number;
}

export interface ScenarioContext {
  name: ScenarioName;
  /** The steps and session options; default the scenario's plan in core. */
  plan?: ScenarioPlan;
  manifest: AppManifest;
  /** The app's entry URL as the device opens it. */
  url: string;
  /** evidence/<scenario>/ */
  dir: string;
  observationMs: number;
  /** How long the consent dialog may take to appear at launch. */
  dialogTimeoutMs: number;
  /** How long a `background` step keeps the app in the background; default BACKGROUND_HOLD_MS. */
  backgroundMs?: number;
  /** The whole scenario must end within this; past it the scenario is an error. */
  deadlineMs: number;
  persona: Persona;
  geolocation?: Geolocation;
  startProxy(journalPath: string, onFlow: (host: string, line: string) => void): Promise<RunningProxy>;
  openSession(options: { proxyUrl: string; gpc: boolean }): Promise<DeviceSession>;
  /** Called with each flow's host and a one-line description as the proxy records it. */
  onFlow?: (host: string, line: string) => void;
  /** Settled windows end after this long without a request (0 or absent: every window is watched whole). */
  settleQuietMs?: number;
  progress: Progress;
  /**
   * Aborted when the run is interrupted (SIGINT/SIGTERM): the scenario stops at once, ends in
   * a `CONF_INTERRUPTED` error, closes its session and proxy and writes what it gathered.
   */
  signal?: AbortSignal;
}

/**
 * Runs one scenario from a clean state: its own proxy and journal, a fresh device session,
 * then the plan's steps, every UI action stamped on the timeline. Whatever happens, the
 * session and proxy are closed and the evidence gathered so far is written.
 */
export async function runScenario(ctx: ScenarioContext): Promise<ScenarioEvidence> {
  const plan = ctx.plan ?? scenarioPlans[ctx.name];
  await mkdir(ctx.dir, { recursive: true });
  const journalPath = scenarioJournalPath(ctx.dir);
  const startedAt = Date.now();
  let session: DeviceSession | undefined;
  const live = () => {
    if (!session) throw new ConformanceError(ErrorCodes.SESSION_FAILED, 'the device session is not open');
    return session;
  };
  const record = new ScenarioRecorder(ctx.dir, live);
  let proxy: RunningProxy | undefined;
  let failure: unknown;
  let capture: CaptureSummary | undefined;
  let leftovers: DeviceLeftovers = {};
  let opening: Promise<DeviceSession> | undefined;

  const timer = deadline(ctx.deadlineMs, ctx.name);
  const interrupt = interruption(ctx.signal, ctx.name);
  let lastFlowAt = 0;
  const onFlow = (host: string, line: string) => {
    lastFlowAt = Date.now();
    ctx.onFlow?.(host, line);
  };
  const clock = { opened: startedAt, stepsDone: startedAt };
  try {
    if (ctx.signal?.aborted) throw interruptedError(ctx.signal, ctx.name);
    // Not raced: a proxy that finished starting after an interrupt would never be stopped.
    proxy = await ctx.startProxy(journalPath, onFlow);
    if (ctx.signal?.aborted) throw interruptedError(ctx.signal, ctx.name);
    const guard = <T>(work: Promise<T>) => Promise.race([work, proxy!.crashed, timer.expired, interrupt.aborted]);
    if (plan.session.gpc) ctx.progress.detail('Global Privacy Control is on for this session');
    opening = ctx.openSession({ proxyUrl: proxy.url, gpc: plan.session.gpc });
    session = await guard(opening);
    clock.opened = Date.now();
    await guard(
      runSteps(
        {
          session,
          manifest: ctx.manifest,
          url: ctx.url,
          persona: ctx.persona,
          observationMs: ctx.observationMs,
          dialogTimeoutMs: ctx.dialogTimeoutMs,
          backgroundMs: ctx.backgroundMs ?? BACKGROUND_HOLD_MS,
          record,
          progress: ctx.progress,
          ...(ctx.settleQuietMs ? { settle: { quietMs: ctx.settleQuietMs, lastFlowAt: () => lastFlowAt } } : {}),
        },
        plan.steps,
      ),
    );
    clock.stepsDone = Date.now();
    leftovers = await guard(collectLeftovers(session, record));
  } catch (error) {
    failure = error;
    if (clock.opened === startedAt) clock.opened = Date.now();
    clock.stepsDone = Date.now();
    ctx.progress.warn(
      `${ctx.name}: ${error instanceof ConformanceError ? `[${error.code}] ${error.describe()}` : String(error)}`,
    );
  } finally {
    timer.cancel();
    interrupt.cancel();
    // A session still opening when the scenario stopped (interrupt, deadline, proxy crash) is
    // waited for and closed, so its browser does not outlive the run.
    if (!session && opening) session = await withTimeout(opening, 30_000).catch(() => undefined);
    if (session) {
      if (failure) await withTimeout(record.screenshot('error'), 5_000).catch(() => undefined);
      await withTimeout(session.close(), 30_000).catch((error: unknown) =>
        ctx.progress.warn(`closing the session: ${String(error)}`),
      );
    }
    if (proxy) capture = await proxy.stop();
  }

  const journal: { records: ProxyRecord[] } = await readJournal(journalPath);
  const stepsMs = Math.max(0, clock.stepsDone - clock.opened);
  const timing = {
    sessionStartMs: clock.opened - startedAt,
    stepsMs: Math.max(0, stepsMs - record.windowMs),
    windowsMs: Math.min(record.windowMs, stepsMs),
    closeMs: Date.now() - clock.stepsDone,
  };
  return writeScenarioEvidence(
    ctx.dir,
    {
      name: ctx.name,
      url: ctx.url,
      startedAt,
      observationMs: ctx.observationMs,
      failure,
      ...(failure ? { errorData: errorToData(failure) } : {}),
      capture,
      journal,
      session,
      gpc: plan.session.gpc,
      timing,
      ...(ctx.geolocation ? { geolocation: ctx.geolocation } : {}),
    },
    record,
    leftovers,
  );
}

/** What the device holds at the end: the last API events, the network log, storage. */
async function collectLeftovers(session: DeviceSession, record: ScenarioRecorder): Promise<DeviceLeftovers> {
  await record.drainEvents();
  const networkLog = session.instrumentation.networkLog;
  return {
    ...(networkLog ? { initiators: await session.requestInitiators(), attempted: await session.attemptedRequests() } : {}),
    storage: await session.storage(),
  };
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

function interruptedError(signal: AbortSignal, scenario: string): ConformanceError {
  const reason = typeof signal.reason === 'string' ? signal.reason : 'an abort';
  return new ConformanceError(ErrorCodes.INTERRUPTED, `scenario ${scenario} was interrupted by ${reason}`, {
    hint: 'the run was stopped on request; run it again to observe this scenario',
  });
}

/** A promise that rejects with CONF_INTERRUPTED when the signal aborts (never, without one). */
function interruption(signal: AbortSignal | undefined, scenario: string): { aborted: Promise<never>; cancel(): void } {
  if (!signal) return { aborted: new Promise<never>(() => undefined), cancel: () => undefined };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(interruptedError(signal, scenario));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  return { aborted, cancel: () => signal.removeEventListener('abort', onAbort!) };
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
