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
