export {
  runAssessment,
  finishReport,
  exitCodeFor,
  DEFAULT_OBSERVATION_MS,
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
export {
  runCertification,
  defaultCertifyTools,
  hostBuildEnv,
  type CertifyOptions,
  type CertifyResult,
  type CertifyTools,
  type InstalledSdk,
} from './certify.js';
