export {
  writeReportJson,
  writeEvidenceChecksums,
  writeFileAtomic,
  sha256File,
  listFiles,
  REPORT_FILE,
  CHECKSUM_FILE,
} from './write.js';
export { formatVerdictTable, formatSuiteSummary, describeEvidence, printable } from './table.js';
export { toHar, type Har, type HarEntry, type HarOptions } from './har.js';
export { readCaptureAsHar, readHarEntries, JOURNAL_FILE } from './har-file.js';
export { formatTiming } from './timing.js';
export { toJunitXml, JUNIT_FILE } from './junit.js';
export { toSarif, SARIF_FILE, SARIF_SCHEMA_URI, type SarifOptions } from './sarif.js';
export { writeCiReports, manifestLocation } from './ci.js';
export { xmlText } from './xml-text.js';
export { formatWaivers } from './waivers-text.js';
export {
  buildSummary,
  renderSummaryHtml,
  formatSummaryText,
  escapeHtml,
  SUMMARY_JSON,
  SUMMARY_HTML,
  SUMMARY_PREVIOUS_JSON,
  ALLURE_REPORT_INDEX,
  type SummaryInput,
  type BuildSummaryOptions,
} from './summary.js';
export { summarizeReportsDir, type SummarizeOptions, type SummarizeResult } from './summary-files.js';
export {
  buildCertification,
  cellVerdict,
  certificationExitCode,
  claimOf,
  renderCertificationMarkdown,
  CERTIFICATION_JSON,
  CERTIFICATION_MD,
  type CertificationInput,
} from './certification.js';
