export { writeReportJson, writeEvidenceChecksums, REPORT_FILE, CHECKSUM_FILE } from './write.js';
export { formatVerdictTable } from './table.js';
