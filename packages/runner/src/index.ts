export {
  runAssessment,
  finishReport,
  exitCodeFor,
  interruptedExitCode,
  buildReport,
  failOnLevels,
  DEFAULT_FAIL_ON,
  DEFAULT_OBSERVATION_MS,
  DEFAULT_SETTLE_MS,
  DEFAULT_CONCURRENCY,
  type FailOn,
  type AssessmentOptions,
  type AssessmentResult,
} from './assess.js';
export {
  defaultAssessmentPorts,
  type AssessmentPorts,
  type ProxyStartOptions,
  type DeviceOpenOptions,
  type OpenDevice,
} from './ports.js';
export { runScenario, type ScenarioContext } from './scenario.js';
export { BACKGROUND_HOLD_MS } from './scenario-steps.js';
export { analyzeEvidence } from './reanalyze.js';
export { loadManifestFile, assertBuilt, type LoadedManifest } from './manifest-file.js';
export { createPersona, expandPersona, type Persona } from './persona.js';
export { runDoctor, type DoctorCheck, type DoctorReport } from './doctor.js';
export { silentProgress, type Progress } from './progress.js';
export { TOOL_VERSION } from './version.js';
export { webDevices, DEFAULT_WEB_DEVICE } from '@conformance/driver-appium';
export { recordBaseline, loadBaseline, baselinePath, type BaselineOptions } from './baseline.js';
export {
  builtInSuitesDir,
  builtInSuiteIds,
  loadSuiteSelection,
  loadAttestations,
  scoreSuites,
  SUITE_FILE,
  type SuiteSelection,
} from './suites.js';
export { describeChecklists, formatChecklists, type ChecklistSummary } from './checklists.js';
export { trackerDatabaseNames, trackerDatabases, type TrackerDatabase } from '@conformance/analyzer';
export { verifyRunDir, type VerifyOptions, type VerifyResult, type VerifyDifference } from './verify.js';
export {
  loadOrCreateSigningKey,
  signingKeyPaths,
  keyFingerprint,
  readPublicKey,
  signatureValid,
  signData,
  type SigningKey,
} from './signing.js';
export { loadWaivers, type LoadedWaivers } from './waivers.js';
export { probeToolVersions, hashAppBuild, plainConfig } from './provenance.js';
export { writeAllure, type AllureOptions } from './allure.js';
export {
  generateAllureReport,
  openAllureReport,
  hasDisplay,
  ALLURE_RESULTS_DIR,
  ALLURE_REPORT_DIR,
  type GeneratedReport,
} from '@conformance/report-allure';
export {
  runCertification,
  defaultCertifyTools,
  hostBuildEnv,
  type CertifyOptions,
  type CertifyResult,
  type CertifyTools,
  type InstalledSdk,
} from './certify.js';
