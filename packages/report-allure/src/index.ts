export {
  writeAllureResults,
  describeRef,
  inertJson,
  ALLURE_RESULTS_DIR,
  ALLURE_REPORT_DIR,
  MAX_FLOWS_PER_ITEM,
  type AllureResultsInput,
  type AllureResultsOutput,
} from './write.js';
export {
  flowExcerpt,
  harSlice,
  maskOf,
  HIGHLIGHT,
  RAW_BODY_MAX,
  type FlowEvidence,
  type FlowFinding,
  type HarEntryLike,
  type EvidencePolicy,
} from './evidence.js';
export { allureStatusOf, allureSeverity, allureSeverityOf, featureOf, checkArea } from './mapping.js';
export { plain, oneLine, escapeHtml } from './text.js';
export {
  generateAllureReport,
  openAllureReport,
  allureCommand,
  findJava,
  hasDisplay,
  JAVA_APT_PACKAGE,
  type GenerateOptions,
  type GeneratedReport,
} from './generate.js';
