import { ConformanceError, ErrorCodes } from './errors.js';
import { proxyRecordSchema, type FlowRecord, type ProxyRecord, type TlsFailureRecord } from './evidence.js';

/** Parses one JSON line of a proxy journal; throws with its place when it is not a record. */
export function parseRecordLine(line: string, where: string): ProxyRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ConformanceError(ErrorCodes.BUNDLE_INVALID, `${where}: not JSON`, { cause: error });
  }
  const result = proxyRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConformanceError(
      ErrorCodes.BUNDLE_INVALID,
      `${where}: not a proxy record (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown shape'})`,
    );
  }
  return result.data;
}

/**
 * Parses the text of a journal (JSON lines). A last line cut short by a crash is
 * reported in `truncated` rather than thrown: everything before it is still evidence.
 */
export function parseJournal(text: string, file: string): { records: ProxyRecord[]; truncated: boolean } {
  const lines = text.split('\n');
  const last = lines.pop();
  const records: ProxyRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== '') records.push(parseRecordLine(line, `${file}:${index + 1}`));
  });
  return { records, truncated: last !== undefined && last.trim() !== '' };
}

/** Splits journal records by kind. */
export function splitRecords(records: readonly ProxyRecord[]): {
  flows: FlowRecord[];
  tlsFailures: TlsFailureRecord[];
  ready: boolean;
} {
  const flows: FlowRecord[] = [];
  const tlsFailures: TlsFailureRecord[] = [];
  let ready = false;
  for (const record of records) {
    if (record.type === 'flow') flows.push(record);
    else if (record.type === 'tls-failed') tlsFailures.push(record);
    else ready = true;
  }
  return { flows, tlsFailures, ready };
}
