import { ConformanceError, ErrorCodes } from './errors.js';
import {
  proxyRecordSchema,
  type ErrorRecord,
  type FlowRecord,
  type ProxyRecord,
  type ResponseRecord,
  type TlsFailureRecord,
  type WsMessageRecord,
} from './evidence.js';

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
  responses: ResponseRecord[];
  errors: ErrorRecord[];
  wsMessages: WsMessageRecord[];
} {
  const flows: FlowRecord[] = [];
  const tlsFailures: TlsFailureRecord[] = [];
  const responses: ResponseRecord[] = [];
  const errors: ErrorRecord[] = [];
  const wsMessages: WsMessageRecord[] = [];
  let ready = false;
  for (const record of records) {
    switch (record.type) {
      case 'flow':
        flows.push(record);
        break;
      case 'tls-failed':
        tlsFailures.push(record);
        break;
      case 'response':
        responses.push(record);
        break;
      case 'error':
        errors.push(record);
        break;
      case 'ws-message':
        wsMessages.push(record);
        break;
      case 'ready':
        ready = true;
        break;
    }
  }
  return { flows, tlsFailures, ready, responses, errors, wsMessages };
}
