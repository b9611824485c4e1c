import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BundleFiles, ConformanceError, decodeBundleFile, ErrorCodes, type Attestation, type RunRecord } from '@conformance/core';
import { loadAttestations, loadSuiteSelection } from './suites.js';
import { loadWaivers } from './waivers.js';
import { readEvidenceBundle, type TrackerDatabase } from '@conformance/analyzer';
import { finishReport, type AssessmentResult } from './assess.js';

/**
 * Re-derives every verdict from an evidence bundle on disk, with no device, proxy or
 * browser, and scores it against the given suites (default every built-in suite): collect
 * once, judge many times, so a checklist update applies to old evidence.
 */
export async function analyzeEvidence(
  runDir: string,
  outDir: string = runDir,
  options: {
    suites?: readonly string[];
    attest?: string;
    trackers?: TrackerDatabase;
    waivers?: string;
    redact?: boolean;
    keepRaw?: boolean;
  } = {},
): Promise<AssessmentResult> {
  const suites = await loadSuiteSelection(options.suites ? { specs: options.suites } : {});
  const attestations = options.attest ? await loadAttestations(options.attest, suites) : new Map<string, Attestation>();
  const evidenceDir = join(resolve(runDir), 'evidence');
  // The waivers given, else those the run applied (its copy in the evidence), judged as of today.
  const recorded = join(evidenceDir, BundleFiles.waivers);
  const waiverFile = options.waivers ?? (existsSync(recorded) ? recorded : undefined);
  const waivers = waiverFile ? await loadWaivers({ file: waiverFile }, suites) : undefined;
  const bundle = await readEvidenceBundle(evidenceDir);
  const runFile = join(evidenceDir, BundleFiles.run);
  let text: string;
  try {
    text = await readFile(runFile, 'utf8');
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${runFile} is missing`, {
      hint: 'point at the output folder of a run (the folder that holds evidence/)',
      cause: error,
    });
  }
  const run: RunRecord = decodeBundleFile('run', text, runFile);
  return finishReport(bundle, {
    outDir: resolve(outDir),
    evidenceDir,
    manifestFile: run.manifest,
    startedAt: new Date(run.startedAt),
    device: run.device,
    suites,
    attestations,
    ...(waivers ? { waivers: { file: waivers.file, waivers: waivers.waivers } } : {}),
    ...(options.trackers ? { trackers: options.trackers } : {}),
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
    allure: {
      redact: options.redact ?? false,
      keepRaw: options.keepRaw ?? false,
      environment: {
        'run.observationMs': String(run.observationMs),
        'run.scenarioDeadlineMs': String(run.deadlineMs),
        'run.trackers': options.trackers ?? 'default',
        'run.remote': run.remote ?? 'local Appium',
        'run.node': run.node,
        ...(typeof run.deviceProfile?.userAgent === 'string' ? { 'device.userAgent': run.deviceProfile.userAgent } : {}),
        'analyzed.node': process.version,
      },
    },
  });
}
