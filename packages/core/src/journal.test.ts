import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { parseJournal, splitRecords } from './journal.js';

const ready = JSON.stringify({ type: 'ready', v: 1, at: 1 });
const failed = JSON.stringify({
  type: 'tls-failed',
  v: 1,
  id: 't1',
  at: 2,
  client: null,
  sni: 'pinned.test',
  error: 'unknown ca',
});

describe('parseJournal', () => {
  it('keeps every complete record and reports a last line cut short by a crash', () => {
    const journal = parseJournal(`${ready}\n${failed}\n{"type":"flow","v":1,"id":"x`, 'flows.jsonl');
    expect(journal.records).toHaveLength(2);
    expect(journal.truncated).toBe(true);
    expect(splitRecords(journal.records)).toMatchObject({ ready: true, flows: [], tlsFailures: [{ sni: 'pinned.test' }] });
  });

  it('is not truncated when the file ends with a newline', () => {
    expect(parseJournal(`${ready}\n`, 'f').truncated).toBe(false);
  });

  it('names the line of a record that is not one', () => {
    expect(() => parseJournal(`${ready}\n{"type":"flow"}\n`, 'flows.jsonl')).toThrow(
      expect.objectContaining({ code: ErrorCodes.BUNDLE_INVALID, message: expect.stringContaining('flows.jsonl:2') }),
    );
  });
});

// A flow line exactly as the first cut of the addon wrote it (no monotonic times, short TLS facts).
const firstCutFlow = JSON.stringify({
  type: 'flow',
  v: 1,
  id: 'f1',
  startedAt: 10,
  completedAt: 11,
  client: '127.0.0.1:5000',
  method: 'POST',
  scheme: 'https',
  host: 'collect.vendor.test',
  port: 443,
  path: '/v1',
  url: 'https://collect.vendor.test/v1',
  httpVersion: 'HTTP/1.1',
  headers: [['host', 'collect.vendor.test']],
  body: { size: 2, sha256: 'a'.repeat(64), encoding: 'utf8', data: '{}' },
  tls: { sni: 'collect.vendor.test', version: 'TLSv1.3' },
  answer: 'sinkhole',
});
const body = { size: 1, sha256: 'b'.repeat(64), encoding: 'utf8', data: 'x' };
const response = JSON.stringify({
  type: 'response',
  v: 1,
  id: 'f1',
  startedAt: 12,
  completedAt: 12,
  status: 204,
  reason: 'No Content',
  httpVersion: 'HTTP/1.1',
  headers: [],
  body,
  answer: 'sinkhole',
  sinkhole: true,
  streamed: false,
});
const error = JSON.stringify({ type: 'error', v: 1, id: 'f2', at: 13, message: 'connection refused', stage: 'request' });
const wsMessage = JSON.stringify({
  type: 'ws-message',
  v: 1,
  id: 'f3',
  seq: 0,
  at: 14,
  direction: 'client-to-server',
  opcode: 'text',
  body,
});

describe('journal record types', () => {
  it('still reads a journal written by the first cut of the addon', () => {
    const { records } = parseJournal(`${ready}\n${firstCutFlow}\n${failed}\n`, 'old.jsonl');
    const split = splitRecords(records);
    expect(split.flows).toEqual([expect.objectContaining({ id: 'f1', tls: { sni: 'collect.vendor.test', version: 'TLSv1.3' } })]);
    expect(split).toMatchObject({ ready: true, responses: [], errors: [], wsMessages: [] });
  });

  it("keeps a cut body's full length and hash, and rejects a malformed mark", () => {
    const cut = JSON.parse(firstCutFlow);
    cut.body = {
      size: 2,
      sha256: 'a'.repeat(64),
      encoding: 'utf8',
      data: '{"',
      truncated: { size: 9000, sha256: 'c'.repeat(64) },
    };
    const { records } = parseJournal(`${JSON.stringify(cut)}\n`, 'cut.jsonl');
    expect(splitRecords(records).flows[0]!.body.truncated).toEqual({ size: 9000, sha256: 'c'.repeat(64) });
    cut.body.truncated = { size: -1, sha256: 'x' };
    expect(() => parseJournal(`${JSON.stringify(cut)}\n`, 'cut.jsonl')).toThrow(/cut\.jsonl:1/);
  });

  it('sorts responses, errors and WebSocket messages into their own lists', () => {
    const { records } = parseJournal(`${firstCutFlow}\n${response}\n${error}\n${wsMessage}\n`, 'new.jsonl');
    const split = splitRecords(records);
    expect(split.flows).toHaveLength(1);
    expect(split.responses).toEqual([expect.objectContaining({ id: 'f1', status: 204, sinkhole: true })]);
    expect(split.errors).toEqual([expect.objectContaining({ id: 'f2', stage: 'request' })]);
    expect(split.wsMessages).toEqual([expect.objectContaining({ id: 'f3', direction: 'client-to-server' })]);
    expect(split.ready).toBe(false);
  });

  it('rejects a WebSocket message without a direction', () => {
    const bad = JSON.stringify({ ...JSON.parse(wsMessage), direction: 'sideways' });
    expect(() => parseJournal(`${bad}\n`, 'bad.jsonl')).toThrow(expect.objectContaining({ code: ErrorCodes.BUNDLE_INVALID }));
  });
});
