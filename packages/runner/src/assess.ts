import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  BundleFiles,
  ConformanceError,
  countStatuses,
  defaultScenariosFor,
  ErrorCodes,
  encodeBundleFile,
  isThirdParty,
  REPORT_SCHEMA_VERSION,
  isWebViewApp,
  scenarioApplies,
  scenarioPlans,
  type Analysis,
  type Attestation,
  type Canary,
  type EvidenceBundle,
  type Interruption,
  type LeftOutScenario,
  type Report,
  type RunRecord,
  type RunTiming,
  type ScenarioName,
  type ScenarioStep,
  type Severity,
  type Waiver,
} from '@conformance/core';
import { analyzeBundle, classifyDestination, readEvidenceBundle, type TrackerDatabase } from '@conformance/analyzer';
import { applyWaivers, checkById, runChecks } from '@conformance/checks';
import {
  formatSuiteSummary,
  formatVerdictTable,
  formatWaivers,
  writeCiReports,
  writeEvidenceChecksums,
  writeFileAtomic,
  writeReportJson,
} from '@conformance/report';
import type { LoadedSuite } from '@conformance/checks';
import { loadAttestations, loadSuiteSelection, scoreSuites } from './suites.js';
import { assertBuilt, loadManifestFile } from './manifest-file.js';
import { createPersona, type Persona } from './persona.js';
import { baselinePath, loadBaseline } from './baseline.js';
import { defaultAssessmentPorts, type AssessmentPorts } from './ports.js';
import type { Geolocation } from './scenario.js';
import { silentProgress, type Progress } from './progress.js';
import { runScenario } from './scenario.js';
import { BACKGROUND_HOLD_MS, missingWithdrawPath } from './scenario-steps.js';
import { TOOL_VERSION } from './version.js';
import { hashAppBuild, plainConfig, probeToolVersions } from './provenance.js';
import { loadOrCreateSigningKey, signData } from './signing.js';
import { loadWaivers, today } from './waivers.js';
import { writeAllure } from './allure.js';
import { ALLURE_RESULTS_DIR } from '@conformance/report-allure';

export interface AssessmentOptions {
  /** Path of the app's conformance.app.yaml. */
  app: string;
  /** Output folder; default `reports/<app name>` under the current folder. */
  out?: string;
  /** Default: every scenario that applies to the app's platform (core's defaultScenariosFor). */
  scenarios?: readonly ScenarioName[];
  /** How long each scenario watches traffic after its last action. */
  observationMs?: number;
  dialogTimeoutMs?: number;
  /** How long a background step keeps the app in the background. */
  backgroundMs?: number;
  /** Per-scenario deadline; default: observation + 3 × the journey's waits (withdraw plays it three times) + 90 s. */
  scenarioTimeoutMs?: number;
  device?: string;
  seed?: number;
  /** A baseline file (conformance baseline); default the one recorded for the platform, if any. */
  baseline?: string;
  /** android: the adb serial of the emulator or device; ios: the simulator UDID. */
  deviceSerial?: string;
  /** A WebDriver endpoint (Selenium Grid 4 with Appium nodes, a device farm) used instead of a local Appium server. */
  remote?: string;
  /**
   * The host name or address the device uses to reach the proxy. Default 127.0.0.1 (the
   * proxy listens on loopback only); with another address it listens on all interfaces.
   */
  proxyAddress?: string;
  /** Suites to score against: built-in ids, folders or suite files; default every built-in suite. */
  suites?: readonly string[];
  /** An attestation file: outcomes of manual suite items recorded by a person. */
  attest?: string;
  /** The tracker database that names third-party hosts (default: permissively licensed data only). */
  trackers?: TrackerDatabase;
  /**
   * How many scenarios run at once, each with its own proxy and profile (web only: a native
   * device runs one at a time). Default DEFAULT_CONCURRENCY.
   */
  concurrency?: number;
  /**
   * Settled windows (refuse, withdraw, gpc) end after this long without a request; 0 watches
   * every window whole. Default DEFAULT_SETTLE_MS.
   */
  settleMs?: number;
  /** A waiver file; default `conformance.waivers.yaml` beside the manifest, when there is one. */
  waivers?: string;
  /** The exit policy the caller applies (`exitCodeFor`); recorded in run.json's configuration only. */
  failOn?: FailOn;
  /** Mask the personal-data values in the Allure attachments. */
  redact?: boolean;
  /** Keep the recorded bodies in the Allure attachments (default: the findings' excerpts only). */
  keepRaw?: boolean;
  progress?: Progress;
  /** A body longer than this (bytes) is stored cut, marked `truncated`; default 16 MiB. */
  maxBodyBytes?: number;
  /** Body bytes one scenario stores in all; past it bodies are stored cut; default 64 MiB. */
  maxEvidenceBytes?: number;
  /**
   * Aborted to interrupt the run (the CLI aborts it on SIGINT/SIGTERM, with the signal's name as
   * the reason): the scenario in progress stops, devices, drivers and proxies are stopped, and
   * what was gathered is written, hashed and judged, with run.json and the report marked
   * `interrupted`.
   */
  signal?: AbortSignal;
}

export interface AssessmentResult {
  report: Report;
  outDir: string;
  reportPath: string;
  /** junit.xml and results.sarif, next to report.json. */
  junitPath: string;
  sarifPath: string;
  /** `<out>/allure-results`, the Allure results of the report (HTML: `conformance report <out>`). */
  allureResults: string;
  table: string;
}

export const DEFAULT_OBSERVATION_MS = 6_000;
/** A settled window ends after this long with no request recorded. */
export const DEFAULT_SETTLE_MS = 3_000;
/**
 * Scenarios at once: one more than the cores, at most three (each runs a browser and a proxy).
 * A scenario spends most of its time waiting on the app and its observation window, so a
 * third one on two cores shortens the run although it lengthens each session start.
 */
export const DEFAULT_CONCURRENCY = Math.max(1, Math.min(3, availableParallelism() + 1));

/**
 * One assessment: load the manifest, run each scenario against the built app behind
 * the proxy, analyse the evidence, decide the checks and write the report. Evidence
 * is on disk before analysis starts, so `conformance analyze` can redo the rest.
 * The proxy and the device come through `ports` (default mitmproxy and Appium), so the
 * whole assessment also runs on the fakes of @conformance/testing.
 */
export async function runAssessment(
  options: AssessmentOptions,
  ports: AssessmentPorts = defaultAssessmentPorts,
): Promise<AssessmentResult> {
  const progress = options.progress ?? silentProgress;
  const began = Date.now();
  const loaded = await loadManifestFile(options.app);
  const { manifest } = loaded;
  await assertBuilt(loaded);
  // Bad suites or attestations stop the run before anything starts.
  const suites = await loadSuiteSelection(options.suites ? { specs: options.suites } : {});
  const attestations = options.attest ? await loadAttestations(options.attest, suites) : new Map<string, Attestation>();
  const waivers = await loadWaivers({ ...(options.waivers ? { file: options.waivers } : {}), manifestFile: loaded.file }, suites);
  const inapplicable = options.scenarios?.find((name) => !scenarioApplies(name, manifest));
  if (inapplicable) {
    const plan = scenarioPlans[inapplicable];
    throw new ConformanceError(
      ErrorCodes.USAGE,
      `the ${inapplicable} scenario applies to ${plan.platforms.join(', ')}${plan.webViews?.length ? ` and to ${plan.webViews.join(', ')} apps whose UI is a web view (webView in the manifest)` : ''} only, not to platform ${manifest.platform}${isWebViewApp(manifest) ? ' (even with webView)' : ''}`,
      {
        hint:
          plan.webViews?.includes(manifest.platform) && !isWebViewApp(manifest)
            ? `leave ${inapplicable} out of --scenarios, or, if the app's UI is a web view, add "webView: true" to its manifest (docs/MANIFEST.md)`
            : `leave ${inapplicable} out of --scenarios`,
      },
    );
  }
  // Withdrawal is tested along the manifest's withdraw path: asked for without one, the run stops
  // here; by default it is left out, said so, and its checks are not-run with the reason.
  const withdrawPath = (manifest.withdraw?.length ?? 0) > 0;
  if (options.scenarios?.includes('withdraw') && !withdrawPath) throw missingWithdrawPath();
  const leftOut: LeftOutScenario[] =
    options.scenarios || withdrawPath || !scenarioApplies('withdraw', manifest)
      ? []
      : [
          {
            scenario: 'withdraw',
            reason: 'the manifest declares no withdraw path (add withdraw: [selectors] to assess withdrawal)',
          },
        ];
  const scenarios =
    options.scenarios ?? defaultScenariosFor(manifest).filter((name) => !leftOut.some((entry) => entry.scenario === name));
  const observationMs = options.observationMs ?? DEFAULT_OBSERVATION_MS;
  const journeyWaits = manifest.journey.reduce((sum, step) => sum + ('wait' in step ? step.wait : 0), 0);
  // The withdraw scenario plays the journey up to three times (and a retry from the entry each).
  const deadlineMs = options.scenarioTimeoutMs ?? observationMs + 3 * journeyWaits + 90_000;
  const device = await ports.deviceProfile(options.device);
  const seed = options.seed ?? 1;
  const persona = createPersona(seed, device.locale === 'zh-CN' ? 'zh_CN' : 'en_US');
  const geolocation = plantedGeolocation(seed);
  const concurrency = manifest.platform === 'web' ? Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, scenarios.length) : 1;
  if (manifest.platform !== 'web' && (options.concurrency ?? 1) > 1) {
    progress.warn(`a ${manifest.platform} device runs one scenario at a time; --concurrency ${options.concurrency} ignored`);
  }
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const outDir = resolve(options.out ?? join('reports', manifest.name));
  const evidenceDir = join(outDir, 'evidence');
  const startedAt = new Date();

  // A run never mixes with an earlier one's evidence.
  await rm(evidenceDir, { recursive: true, force: true });
  await rm(join(outDir, 'report.json'), { force: true });
  // Its Allure results too; allure-report/ stays, for the history the next report carries on.
  await rm(join(outDir, ALLURE_RESULTS_DIR), { recursive: true, force: true });
  await mkdir(evidenceDir, { recursive: true });
  await copyFile(loaded.file, join(evidenceDir, BundleFiles.manifest));
  if (waivers) await writeFile(join(evidenceDir, BundleFiles.waivers), waivers.text);
  // The suites as they were scored, hashed with the evidence: a reviewer re-scores against them
  // on any machine, whatever version of the built-in suites or folder layout it has.
  await mkdir(join(evidenceDir, BundleFiles.suites));
  for (const { suite, file } of suites) await copyFile(resolve(file), join(evidenceDir, BundleFiles.suites, `${suite.id}.yaml`));
  progress.step(
    `Assessing ${manifest.name} (${manifest.platform}, ${manifest.platform === 'web' ? device.name : options.deviceSerial}) → ${outDir}`,
  );
  for (const entry of leftOut) progress.warn(`${entry.scenario} left out: ${entry.reason}; its checks are not run`);
  // The device side (static server, Appium) starts while the tools are asked for their
  // versions and the build is hashed; nothing of the app runs before run.json is written.
  const opening = ports.openDevice({
    manifest,
    buildPath: loaded.buildPath,
    device,
    geolocation,
    evidenceDir,
    progress,
    ...(options.deviceSerial ? { deviceSerial: options.deviceSerial } : {}),
    ...(options.remote ? { remote: options.remote } : {}),
  });
  opening.catch(() => undefined);
  const [signingKey, tools, appBuild] = await Promise.all([
    loadOrCreateSigningKey(),
    (ports.toolVersions ?? probeToolVersions)(),
    hashAppBuild(loaded.buildPath, dirname(loaded.file)),
  ]).catch(async (error: unknown) => {
    await opening.then((rig) => rig.close()).catch(() => undefined);
    throw error;
  });
  const { progress: _progress, trackers, ...given } = options;
  const config = plainConfig({
    ...given,
    app: loaded.file,
    out: outDir,
    scenarios: [...scenarios],
    ...(leftOut.length ? { leftOut } : {}),
    observationMs,
    dialogTimeoutMs: options.dialogTimeoutMs ?? 10_000,
    deadlineMs,
    device: device.name,
    seed,
    suites: suites.map((suite) => suite.file),
    trackers: trackers ?? 'default',
    ...(waivers ? { waivers: waivers.file } : {}),
    failOn: options.failOn ?? DEFAULT_FAIL_ON,
  });
  const runRecord: RunRecord = {
    tool: { name: 'conformance', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    manifest: loaded.file,
    platform: manifest.platform,
    device: device.name,
    deviceProfile: { ...device },
    scenarios: [...scenarios],
    ...(leftOut.length ? { leftOut } : {}),
    observationMs,
    deadlineMs,
    remote: options.remote ?? null,
    node: process.version,
    tools,
    appBuild,
    seed,
    config,
    signing: { algorithm: 'ed25519', publicKeyFingerprint: signingKey.fingerprint },
  };
  try {
    await writeFile(join(evidenceDir, BundleFiles.run), encodeBundleFile('run', runRecord));
  } catch (error) {
    await opening.then((rig) => rig.close()).catch(() => undefined);
    throw error;
  }
  const { signal } = options;
  let ran = 0;
  // Scenarios a signal cut short (ended in CONF_INTERRUPTED).
  let cut = 0;
  const rig = await opening;
  let setupMs = 0;
  let scenariosMs = 0;
  try {
    await writeCanaries(evidenceDir, seed, persona, geolocation, rig.canaries);
    // The platform's own traffic, recorded with no app (conformance baseline), travels with the evidence.
    const baseline = await loadBaseline(options.baseline ?? baselinePath(manifest.platform));
    if (baseline) {
      await writeFile(join(evidenceDir, BundleFiles.baseline), encodeBundleFile('baseline', baseline));
      progress.detail(`platform baseline: ${baseline.hosts.length} host(s) recorded ${baseline.recordedAt}`);
    }
    setupMs = Date.now() - began;
    if (concurrency > 1) progress.detail(`${scenarios.length} scenarios, ${concurrency} at a time`);
    const scenariosBegan = Date.now();
    // One at a time, scenarios run in the requested order; several at once, the longest first.
    const order =
      concurrency > 1
        ? startOrder(scenarios, { observationMs, settleMs, journeySteps: manifest.journey.length, journeyWaits })
        : scenarios.map((_, index) => index);
    // A device side that cannot start (Appium) ends the run with its cause: the scenarios
    // already started end on it, no further one starts.
    let deviceFailed = false;
    rig.ready?.catch(() => {
      deviceFailed = true;
    });
    await forEachConcurrently(scenarios, concurrency, order, async (name, index) => {
      if (signal?.aborted || deviceFailed) return;
      progress.step(`[${index + 1}/${scenarios.length}] scenario ${name}`);
      // Lines of scenarios that run at once are told apart by the scenario's name.
      const lines = concurrency > 1 ? prefixed(progress, name) : progress;
      const result = await runScenario({
        name,
        manifest,
        url: rig.url,
        dir: join(evidenceDir, name),
        observationMs,
        dialogTimeoutMs: options.dialogTimeoutMs ?? 10_000,
        ...(options.backgroundMs !== undefined ? { backgroundMs: options.backgroundMs } : {}),
        deadlineMs,
        persona,
        geolocation,
        progress: lines,
        settleQuietMs: settleMs,
        onFlow: (host, line) => {
          const destination = classifyDestination(host, manifest);
          if (isThirdParty(destination)) lines.detail(`→ ${line} (${destination.sdk ?? 'third party'})`);
        },
        startProxy: (journalPath, onFlow) =>
          ports.startProxy({
            journalPath,
            serve: rig.serve,
            ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
            ...(options.maxEvidenceBytes !== undefined ? { maxEvidenceBytes: options.maxEvidenceBytes } : {}),
            ...(options.proxyAddress
              ? { listenHost: '0.0.0.0', advertiseHost: options.proxyAddress }
              : rig.advertiseHost
                ? { advertiseHost: rig.advertiseHost }
                : {}),
            onRecord: (record) => {
              if (record.type === 'flow') onFlow(record.host, `${record.method} ${record.url.slice(0, 120)}`);
            },
          }),
        openSession: (session) => rig.openSession(session),
        ...(signal ? { signal } : {}),
      });
      ran++;
      if (result.error?.code === ErrorCodes.INTERRUPTED) cut++;
      progress.detail(`${name}: ${result.status}, ${result.flows.length} request(s) recorded`);
    });
    if (rig.ready && !signal?.aborted) await rig.ready;
    scenariosMs = Date.now() - scenariosBegan;
  } finally {
    await rig.close();
  }

  const hashBegan = Date.now();
  // Interrupted: the mark goes into run.json before the hashes, so it is part of the evidence.
  // Only a signal that cost observation counts: one that came after every scenario had finished
  // (while the device closed) changes nothing in the evidence, so the run finishes as usual.
  const reasonOf = (aborted: AbortSignal) => (typeof aborted.reason === 'string' ? aborted.reason : 'abort');
  const received = signal?.aborted ? reasonOf(signal) : undefined;
  const observedAll = ran === scenarios.length && cut === 0;
  const interrupted: Interruption | undefined =
    received && !observedAll ? { signal: received, at: new Date().toISOString() } : undefined;
  const lateSignal = () =>
    progress.warn(`${reasonOf(signal!)} after every scenario had finished: the observation is complete; finishing the report`);
  if (received && observedAll) lateSignal();
  // One that comes while the evidence is hashed and judged is told the same way, when it comes.
  if (!received) signal?.addEventListener('abort', lateSignal, { once: true });
  if (interrupted) {
    await writeFile(join(evidenceDir, BundleFiles.run), encodeBundleFile('run', { ...runRecord, interrupted }));
    progress.warn(
      `interrupted by ${interrupted.signal}: ${ran} of ${scenarios.length} scenario(s) started; judging what was gathered`,
    );
  }
  try {
    const sums = await writeEvidenceChecksums(evidenceDir);
    await writeFileAtomic(join(evidenceDir, BundleFiles.signature), `${signData(await readFile(sums.file), signingKey)}\n`);
    progress.detail(`evidence: ${sums.files} files hashed in ${sums.file}, signed by ${signingKey.fingerprint}`);
    const readBegan = Date.now();
    // Judge the bundle as it is on disk, by the same path as `conformance analyze`: what a
    // reviewer re-derives from the evidence is exactly what this run reported. A run interrupted
    // before its first scenario has no scenario evidence (run.json's mark makes that a whole
    // bundle): every check is then inconclusive.
    const bundle = await readEvidenceBundle(evidenceDir);
    const [hashMs, readMs] = [readBegan - hashBegan, Date.now() - readBegan];
    const result = await finishReport(bundle, {
      outDir,
      manifestFile: loaded.file,
      startedAt,
      device: device.name,
      suites,
      attestations,
      ...(waivers ? { waivers: { file: waivers.file, waivers: waivers.waivers } } : {}),
      ...(options.trackers ? { trackers: options.trackers } : {}),
      ...(interrupted ? { interrupted } : {}),
      timing: (analysisMs, reportMs) => ({
        totalMs: Date.now() - began,
        setupMs,
        scenariosMs,
        concurrency,
        // Reading the bundle back is part of the analysis; hashing it, of the report.
        analysisMs: readMs + analysisMs,
        reportMs: hashMs + reportMs,
        scenarios: bundle.scenarios.flatMap((scenario) =>
          scenario.timing ? [{ name: scenario.scenario, wallMs: scenario.endedAt - scenario.startedAt, ...scenario.timing }] : [],
        ),
      }),
      allure: {
        redact: options.redact ?? false,
        keepRaw: options.keepRaw ?? false,
        environment: {
          'run.observationMs': String(observationMs),
          'run.scenarioDeadlineMs': String(deadlineMs),
          'run.seed': String(seed),
          'run.trackers': options.trackers ?? 'default',
          'run.remote': options.remote ?? 'local Appium',
          'run.baseline': options.baseline ?? 'recorded or built-in',
          'device.userAgent': device.userAgent,
          node: process.version,
          // The exact tool versions of run.json's provenance.
          ...Object.fromEntries(Object.entries(tools).map(([name, version]) => [`tool.${name}`, version ?? 'not found'])),
        },
      },
    });
    return result;
  } finally {
    signal?.removeEventListener('abort', lateSignal);
  }
}

/** What a scenario's length depends on, for the order scenarios start in. */
export interface ScenarioCostBasis {
  observationMs: number;
  settleMs: number;
  journeySteps: number;
  journeyWaits: number;
}

/**
 * A rough length of each step in milliseconds: only the order of the plans matters, never the
 * figures themselves (no deadline or verdict depends on them).
 */
function stepCostMs(step: ScenarioStep, basis: ScenarioCostBasis): number {
  const journey = basis.journeyWaits + 500 * basis.journeySteps;
  switch (step.step) {
    case 'launch':
    case 'relaunch':
      return 2_000;
    case 'dialog':
    case 'choose':
    case 'withdraw':
      return 1_000;
    case 'journey':
      return journey;
    case 'background':
      return BACKGROUND_HOLD_MS;
    case 'observe':
      return step.settle && basis.settleMs > 0 ? Math.min(basis.observationMs, basis.settleMs + 1_000) : basis.observationMs;
    case 'policy':
      return 4_000;
  }
}

/**
 * The order scenarios start in when several run at once: the longest plans first (longest
 * processing time first), so the lane that finishes last is not the one that drew the longest
 * scenario at the end. Ties keep the requested order; the report always keeps the requested
 * order, whatever the start order was.
 */
export function startOrder(names: readonly ScenarioName[], basis: ScenarioCostBasis): number[] {
  const cost = names.map((name) => scenarioPlans[name].steps.reduce((sum, step) => sum + stepCostMs(step, basis), 0));
  return names.map((_, index) => index).sort((a, b) => cost[b]! - cost[a]! || a - b);
}

/** Runs `work` over `items`, at most `limit` at once, in the given order; the first failure is rethrown after all settle. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  order: readonly number[],
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < order.length) {
      const index = order[next++]!;
      await work(items[index]!, index);
    }
  });
  const outcomes = await Promise.allSettled(lanes);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function prefixed(progress: Progress, name: string): Progress {
  return {
    step: (message) => progress.step(`${name}: ${message}`),
    detail: (message) => progress.detail(`${name}: ${message}`),
    warn: (message) => progress.warn(`${name}: ${message}`),
  };
}

export interface FinishOptions {
  outDir: string;
  manifestFile: string;
  startedAt: Date;
  device: string;
  /** The suites to score the checks against. */
  suites: readonly LoadedSuite[];
  attestations?: ReadonlyMap<string, Attestation>;
  /** The tracker database that names third-party hosts; no verdict depends on it. */
  trackers?: TrackerDatabase;
  /** A live run's timing breakdown, given the analysis and report times. */
  timing?: (analysisMs: number, reportMs: number) => RunTiming;
  /** The run was stopped by a signal (run.json's mark): the report says so. */
  interrupted?: Interruption;
  /** The waivers to apply, and the file they came from. */
  waivers?: { file: string; waivers: readonly Waiver[] };
  /** The day waivers are judged against (YYYY-MM-DD); default today (UTC). */
  asOf?: string;
  /** The Allure results' attachment policy and the run configuration for environment.properties. */
  allure?: { redact?: boolean; keepRaw?: boolean; environment?: Readonly<Record<string, string>> };
  /** The bundle's folder, for the screenshots and timelines the Allure results attach (default `<outDir>/evidence`). */
  evidenceDir?: string;
}

/** Analysis, checks and report: the part that `conformance analyze` repeats from a bundle on disk. */
export async function finishReport(bundle: EvidenceBundle, options: FinishOptions): Promise<AssessmentResult> {
  const analysisBegan = Date.now();
  const { report, analysis } = analyzeAndJudge(bundle, options);
  const analysisMs = Date.now() - analysisBegan;
  const reportBegan = Date.now();
  await mkdir(options.outDir, { recursive: true });
  const ci = await writeCiReports(report, options.outDir);
  if (options.timing) report.timing = options.timing(analysisMs, Date.now() - reportBegan);
  const reportPath = await writeReportJson(report, options.outDir);
  // After report.json, so a failure here never costs the report.
  const allure = await writeAllure(report, analysis, {
    outDir: options.outDir,
    evidenceDir: options.evidenceDir ?? join(options.outDir, 'evidence'),
    ...options.allure,
  });
  const waiverLines = formatWaivers(report);
  return {
    report,
    outDir: options.outDir,
    reportPath,
    junitPath: ci.junit,
    sarifPath: ci.sarif,
    allureResults: allure.resultsDir,
    table: `${formatVerdictTable(report)}${report.suites.length ? `\n\n${formatSuiteSummary(report)}` : ''}${waiverLines ? `\n\n${waiverLines}` : ''}`,
  };
}

/**
 * The report of a bundle, written nowhere: analysis, checks, suite scores and waivers. The
 * one path by which `run`, `analyze` and `verify` reach their verdicts.
 */
export function buildReport(bundle: EvidenceBundle, options: FinishOptions): Report {
  return analyzeAndJudge(bundle, options).report;
}

function analyzeAndJudge(bundle: EvidenceBundle, options: FinishOptions): { report: Report; analysis: Analysis } {
  const analysis = analyzeBundle(bundle, options.trackers ? { trackers: options.trackers } : {});
  const checks = runChecks(analysis);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'conformance', version: TOOL_VERSION },
    app: { name: bundle.manifest.name, platform: bundle.manifest.platform, manifest: options.manifestFile },
    startedAt: options.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...(options.interrupted ? { interrupted: options.interrupted } : {}),
    device: options.device,
    scenarios: bundle.scenarios.map((scenario) => ({
      name: scenario.scenario,
      status: scenario.status,
      ...(scenario.error ? { error: scenario.error } : {}),
      observationMs: scenario.observationMs,
      flows: scenario.flows.length,
      evidenceDir: join('evidence', scenario.scenario),
    })),
    platformNoise: analysis.platformNoise,
    checks,
    totals: countStatuses(checks),
    suites: scoreSuites(options.suites, checks, bundle.manifest, options.attestations),
  };
  if (!options.waivers) return { report, analysis };
  const waived = applyWaivers({
    checks,
    suites: report.suites,
    waivers: options.waivers.waivers,
    file: options.waivers.file,
    asOf: options.asOf ?? today(),
  });
  return { report: { ...report, suites: waived.suites, waivers: waived.waivers }, analysis };
}

/** canaries.json: every value planted into the app or read from the device, which the analysis looks for. */
async function writeCanaries(
  evidenceDir: string,
  seed: number,
  persona: Persona,
  geolocation: Geolocation,
  device: Canary[],
): Promise<void> {
  const canaries: Canary[] = [
    { category: 'location.precise', kind: 'geolocation', latitude: geolocation.latitude, longitude: geolocation.longitude },
    ...device,
  ];
  await writeFile(
    join(evidenceDir, BundleFiles.canaries),
    encodeBundleFile('canaries', { seed, persona, geolocation, canaries }),
  );
}

/** A planted position near a city centre, offset by the seed, so analysis can recognise it when it is sent. */
export function plantedGeolocation(seed: number): { latitude: number; longitude: number; accuracy: number } {
  const offset = ((seed * 7919) % 1000) / 100_000;
  return { latitude: Number((31.2304 + offset).toFixed(6)), longitude: Number((121.4737 - offset).toFixed(6)), accuracy: 10 };
}

/** The exit code of a run stopped by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function interruptedExitCode(signal: string): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** `--fail-on`: the least severity of a failure that fails the gate (`any`: every failure; `none`: never). */
export const failOnLevels = ['critical', 'high', 'medium', 'any', 'none'] as const;
export type FailOn = (typeof failOnLevels)[number];
export const DEFAULT_FAIL_ON: FailOn = 'critical';

const gated: Record<FailOn, readonly Severity[]> = {
  critical: ['critical'],
  high: ['critical', 'high'],
  medium: ['critical', 'high', 'medium'],
  any: ['critical', 'high', 'medium', 'low'],
  none: [],
};

/**
 * Exit code policy for CI gates. 2: the run could not observe everything (a scenario ended
 * in an error, or a check was inconclusive). 1: a failure at or above `failOn` — with suites,
 * a failed (or attested-failed) suite item of that severity; with no suite, a failed check of
 * that default severity, unless an active waiver accepted it. Waived items never fail the
 * gate. 0 otherwise.
 */
export function exitCodeFor(report: Report, failOn: FailOn = DEFAULT_FAIL_ON): 0 | 1 | 2 {
  if (report.scenarios.some((scenario) => scenario.status === 'error') || report.totals.inconclusive > 0) return 2;
  const severities = gated[failOn];
  if (report.suites.length > 0) {
    const failed = report.suites.some((suite) =>
      suite.items.some(
        (item) => (item.status === 'fail' || item.status === 'attested-fail') && severities.includes(item.severity),
      ),
    );
    return failed ? 1 : 0;
  }
  const waived = new Set(
    (report.waivers?.entries ?? []).filter((entry) => entry.state === 'active').flatMap((entry) => entry.checks),
  );
  const failed = report.checks.some(
    (check) =>
      check.status === 'fail' &&
      !waived.has(check.id) &&
      // A check this version does not know counts at the highest severity.
      severities.includes(checkById(check.id as Parameters<typeof checkById>[0])?.severity ?? 'critical'),
  );
  return failed ? 1 : 0;
}
