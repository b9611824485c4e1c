import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConformanceError, ErrorCodes, type Attestation } from '@conformance/core';
import { loadAttestations, loadSuiteSelection } from './suites.js';
import { readEvidenceBundle } from '@conformance/analyzer';
import { finishReport, type AssessmentResult } from './assess.js';

/**
 * Re-derives every verdict from an evidence bundle on disk, with no device, proxy or
 * browser, and scores it against the given suites (default every built-in suite): collect
 * once, judge many times, so a checklist update applies to old evidence.
 */
export async function analyzeEvidence(
  runDir: string,
  outDir: string = runDir,
  options: { suites?: readonly string[]; attest?: string } = {},
): Promise<AssessmentResult> {
  const suites = await loadSuiteSelection(options.suites ? { specs: options.suites } : {});
  const attestations = options.attest ? await loadAttestations(options.attest, suites) : new Map<string, Attestation>();
  const evidenceDir = join(resolve(runDir), 'evidence');
  const bundle = await readEvidenceBundle(evidenceDir);
  let run: { startedAt?: string; device?: string; manifest?: string } = {};
  try {
    run = JSON.parse(await readFile(join(evidenceDir, 'run.json'), 'utf8')) as typeof run;
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${evidenceDir}/run.json is missing or not JSON`, {
      hint: 'point at the output folder of a run (the folder that holds evidence/)',
      cause: error,
    });
  }
  return finishReport(bundle, {
    outDir: resolve(outDir),
    manifestFile: run.manifest ?? join(evidenceDir, 'app.yaml'),
    startedAt: new Date(run.startedAt ?? Date.now()),
    device: run.device ?? 'unknown',
    suites,
    attestations,
  });
}
