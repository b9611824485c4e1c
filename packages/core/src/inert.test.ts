import { describe, expect, it } from 'vitest';
import { inert } from './inert.js';

describe('inert', () => {
  it.each([
    ['clear screen and home', 'Accept\u001b[2J\u001b[H all', 'Accept all'],
    ['colour', '\u001b[31;1mReject\u001b[0m', 'Reject'],
    ['window title (OSC ended by BEL)', '\u001b]0;pwned\u0007OK', 'OK'],
    ['hyperlink (OSC 8 ended by ST)', '\u001b]8;;http://evil.test\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['bell and backspace', 'ding\u0007\b\bdone', 'dingdone'],
    ['carriage return overwriting the line', 'PASS\rFAIL', 'PASSFAIL'],
    ['C1 CSI', 'a\u009b2Jb', 'ab'],
    ['device control string', 'x\u001bPq#0;2;0;0;0\u001b\\y', 'xy'],
    ['bidirectional override', 'evil\u202Etxt.exe', 'eviltxt.exe'],
    ['an unterminated OSC eats to the end, never the terminal', 'ok\u001b]2;title', 'ok'],
  ])('removes %s', (_name, input, expected) => {
    expect(inert(input)).toBe(expected);
  });

  it('keeps ordinary text, Unicode, tabs and line feeds as they are', () => {
    const text = 'VERDICT\tCHECK\n拒绝 · Ablehnen · Refuser — 100 % ✓\n';
    expect(inert(text)).toBe(text);
    expect(inert('a\r\nb')).toBe('a\nb');
  });
});
