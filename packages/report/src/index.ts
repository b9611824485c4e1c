export { writeReportJson, writeEvidenceChecksums, REPORT_FILE, CHECKSUM_FILE } from './write.js';
export { formatVerdictTable, formatSuiteSummary, describeEvidence, printable } from './table.js';
export { toHar, type Har, type HarEntry, type HarOptions } from './har.js';
export { readCaptureAsHar, JOURNAL_FILE } from './har-file.js';
export { formatTiming } from './timing.js';
