import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { muteOnClose } from './closed-output.js';

/** A stream whose reader went away: every write fails with EPIPE, as a closed pipe does. */
function closedPipe(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
}

describe('muteOnClose', () => {
  it('turns the error of a closed pipe into silence: no error escapes, later writes are dropped', async () => {
    const stream = closedPipe();
    const muted = muteOnClose(stream);
    const escaped: unknown[] = [];
    const onUncaught = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      stream.write('progress line\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(muted()).toBe(true);
      expect(stream.write('another line\n')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(escaped).toEqual([]);
  });

  it('leaves a working stream as it is (negative control)', async () => {
    const stream = new PassThrough();
    const muted = muteOnClose(stream);
    const received: string[] = [];
    stream.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    stream.write('line one\n');
    stream.write('line two\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(muted()).toBe(false);
    expect(received.join('')).toBe('line one\nline two\n');
  });

  it('without it, the same closed pipe raises an error event nothing handles', async () => {
    const stream = closedPipe();
    const errors: unknown[] = [];
    stream.on('error', (error) => errors.push(error));
    stream.write('progress line\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toEqual([expect.objectContaining({ code: 'EPIPE' })]);
  });
});
