import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BundleFiles,
  ConformanceError,
  countStatuses,
  defaultScenariosFor,
  ErrorCodes,
  encodeBundleFile,
  isThirdParty,
  REPORT_SCHEMA_VERSION,
  scenarioPlans,
  type Attestation,
  type Canary,
  type EvidenceBundle,
  type Report,
  type ScenarioName,
} from '@conformance/core';
import { analyzeBundle, classifyDestination, readEvidenceBundle, type TrackerDatabase } from '@conformance/analyzer';
import { runChecks } from '@conformance/checks';
import { formatSuiteSummary, formatVerdictTable, writeEvidenceChecksums, writeReportJson } from '@conformance/report';
import type { LoadedSuite } from '@conformance/checks';
import { loadAttestations, loadSuiteSelection, scoreSuites } from './suites.js';
import { assertBuilt, loadManifestFile } from './manifest-file.js';
import { createPersona, type Persona } from './persona.js';
import { baselinePath, loadBaseline } from './baseline.js';
import { defaultAssessmentPorts, type AssessmentPorts } from './ports.js';
import type { Geolocation } from './scenario.js';
import { silentProgress, type Progress } from './progress.js';
import { runScenario } from './scenario.js';
import { TOOL_VERSION } from './version.js';
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
  /** Mask the personal-data values in the Allure attachments. */
  redact?: boolean;
  /** Keep the recorded bodies in the Allure attachments (default: the findings' excerpts only). */
  keepRaw?: boolean;
  progress?: Progress;
}

export interface AssessmentResult {
  report: Report;
  outDir: string;
  reportPath: string;
  /** `<out>/allure-results`, the Allure results of the report (HTML: `conformance report <out>`). */
  allureResults: string;
  table: string;
}

export const DEFAULT_OBSERVATION_MS = 6_000;

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
  const loaded = await loadManifestFile(options.app);
  const { manifest } = loaded;
  await assertBuilt(loaded);
  // Bad suites or attestations stop the run before anything starts.
  const suites = await loadSuiteSelection(options.suites ? { specs: options.suites } : {});
  const attestations = options.attest ? await loadAttestations(options.attest, suites) : new Map<string, Attestation>();
  const inapplicable = options.scenarios?.find((name) => !scenarioPlans[name].platforms.includes(manifest.platform));
  if (inapplicable) {
    throw new ConformanceError(
      ErrorCodes.USAGE,
      `the ${inapplicable} scenario applies to ${scenarioPlans[inapplicable].platforms.join(', ')} only, not to platform ${manifest.platform}`,
      { hint: `leave ${inapplicable} out of --scenarios` },
    );
  }
  const scenarios = options.scenarios ?? defaultScenariosFor(manifest.platform);
  const observationMs = options.observationMs ?? DEFAULT_OBSERVATION_MS;
  const journeyWaits = manifest.journey.reduce((sum, step) => sum + ('wait' in step ? step.wait : 0), 0);
  // The withdraw scenario plays the journey up to three times (and a retry from the entry each).
  const deadlineMs = options.scenarioTimeoutMs ?? observationMs + 3 * journeyWaits + 90_000;
  const device = await ports.deviceProfile(options.device);
  const seed = options.seed ?? 1;
  const persona = createPersona(seed, device.locale === 'zh-CN' ? 'zh_CN' : 'en_US');
  const geolocation = plantedGeolocation(seed);
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
  await writeFile(
    join(evidenceDir, BundleFiles.run),
    encodeBundleFile('run', {
      tool: { name: 'conformance', version: TOOL_VERSION },
      startedAt: startedAt.toISOString(),
      manifest: loaded.file,
      platform: manifest.platform,
      device: device.name,
      deviceProfile: { ...device },
      scenarios: [...scenarios],
      observationMs,
      deadlineMs,
      remote: options.remote ?? null,
      node: process.version,
    }),
  );

  progress.step(
    `Assessing ${manifest.name} (${manifest.platform}, ${manifest.platform === 'web' ? device.name : options.deviceSerial}) → ${outDir}`,
  );
  const rig = await ports.openDevice({
    manifest,
    buildPath: loaded.buildPath,
    device,
    geolocation,
    evidenceDir,
    progress,
    ...(options.deviceSerial ? { deviceSerial: options.deviceSerial } : {}),
    ...(options.remote ? { remote: options.remote } : {}),
  });
  try {
    await writeCanaries(evidenceDir, seed, persona, geolocation, rig.canaries);
    // The platform's own traffic, recorded with no app (conformance baseline), travels with the evidence.
    const baseline = await loadBaseline(options.baseline ?? baselinePath(manifest.platform));
    if (baseline) {
      await writeFile(join(evidenceDir, BundleFiles.baseline), encodeBundleFile('baseline', baseline));
      progress.detail(`platform baseline: ${baseline.hosts.length} host(s) recorded ${baseline.recordedAt}`);
    }
    for (const [index, name] of scenarios.entries()) {
      progress.step(`[${index + 1}/${scenarios.length}] scenario ${name}`);
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
        progress,
        onFlow: (host, line) => {
          const destination = classifyDestination(host, manifest);
          if (isThirdParty(destination)) progress.detail(`→ ${line} (${destination.sdk ?? 'third party'})`);
        },
        startProxy: (journalPath, onFlow) =>
          ports.startProxy({
            journalPath,
            serve: rig.serve,
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
      });
      progress.detail(`${name}: ${result.status}, ${result.flows.length} request(s) recorded`);
    }
  } finally {
    await rig.close();
  }

  const sums = await writeEvidenceChecksums(evidenceDir);
  progress.detail(`evidence: ${sums.files} files hashed in ${sums.file}`);
  // Judge the bundle as it is on disk, by the same path as `conformance analyze`: what a
  // reviewer re-derives from the evidence is exactly what this run reported.
  return finishReport(await readEvidenceBundle(evidenceDir), {
    outDir,
    manifestFile: loaded.file,
    startedAt,
    device: device.name,
    suites,
    attestations,
    ...(options.trackers ? { trackers: options.trackers } : {}),
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
      },
    },
  });
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
  /** The Allure results' attachment policy and the run configuration for environment.properties. */
  allure?: { redact?: boolean; keepRaw?: boolean; environment?: Readonly<Record<string, string>> };
  /** The bundle's folder, for the screenshots and timelines the Allure results attach (default `<outDir>/evidence`). */
  evidenceDir?: string;
}

/** Analysis, checks and report: the part that `conformance analyze` repeats from a bundle on disk. */
export async function finishReport(bundle: EvidenceBundle, options: FinishOptions): Promise<AssessmentResult> {
  const analysis = analyzeBundle(bundle, options.trackers ? { trackers: options.trackers } : {});
  const checks = runChecks(analysis);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'conformance', version: TOOL_VERSION },
    app: { name: bundle.manifest.name, platform: bundle.manifest.platform, manifest: options.manifestFile },
    startedAt: options.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
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
  const reportPath = await writeReportJson(report, options.outDir);
  // After report.json, so a failure here never costs the report.
  const allure = await writeAllure(report, analysis, {
    outDir: options.outDir,
    evidenceDir: options.evidenceDir ?? join(options.outDir, 'evidence'),
    ...options.allure,
  });
  return {
    report,
    outDir: options.outDir,
    reportPath,
    allureResults: allure.resultsDir,
    table: `${formatVerdictTable(report)}${report.suites.length ? `\n\n${formatSuiteSummary(report)}` : ''}`,
  };
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

/** Exit code policy for CI gates: 2 when the run could not observe everything, else 1 on any failed check. */
export function exitCodeFor(report: Report): 0 | 1 | 2 {
  if (report.scenarios.some((scenario) => scenario.status === 'error') || report.totals.inconclusive > 0) return 2;
  return report.totals.fail > 0 ? 1 : 0;
}
