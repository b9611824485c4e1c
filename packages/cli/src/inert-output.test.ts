import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeInert } from './inert-output.js';

describe('makeInert', () => {
  it('strips escape sequences from strings and buffers written to the stream, and keeps the text', async () => {
    const stream = new PassThrough();
    makeInert(stream);
    stream.write('FAIL  consent  \u001b[2J\u001b]0;title\u0007Accept\u0007\n');
    stream.write(Buffer.from('\u001b[31mred\u001b[0m 拒绝\n'));
    stream.end();
    const text = (await stream.toArray()).join('');
    expect(text).toBe('FAIL  consent  Accept\nred 拒绝\n');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
