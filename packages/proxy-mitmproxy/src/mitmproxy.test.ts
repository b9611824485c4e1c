import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { conformanceHome, defaultConfDir } from './home.js';
import { recordKey, startMitmproxy } from './mitmproxy.js';

describe('conformanceHome', () => {
  it('honours CONFORMANCE_HOME, then XDG_CONFIG_HOME, and keeps the CA below it', () => {
    expect(conformanceHome({ CONFORMANCE_HOME: '/srv/c' })).toBe('/srv/c');
    expect(conformanceHome({ XDG_CONFIG_HOME: '/x' })).toBe('/x/conformance');
    expect(defaultConfDir({ CONFORMANCE_HOME: '/srv/c' })).toBe('/srv/c/mitmproxy');
  });
});

describe('startMitmproxy', () => {
  it('fails with CONF_TOOL_MISSING and an install hint when mitmdump is not there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proxy-'));
    await expect(
      startMitmproxy({
        journalPath: join(dir, 'flows.jsonl'),
        confDir: join(dir, 'conf'),
        mitmdump: join(dir, 'no-such-mitmdump'),
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.TOOL_MISSING, hint: expect.stringContaining('apt-get install mitmproxy') });
  });
});

describe('recordKey', () => {
  it('keys flows by id and every other record by type too, so a flow and its response never collide', () => {
    const body = { size: 0, sha256: '0'.repeat(64), encoding: 'utf8' as const, data: '' };
    expect(recordKey({ type: 'ready', v: 1, at: 5 })).toBe('ready@5');
    expect(recordKey({ type: 'error', v: 1, id: 'f', at: 1, message: 'x', stage: 'request' })).toBe('error:f');
    expect(
      recordKey({ type: 'ws-message', v: 1, id: 'f', seq: 3, at: 1, direction: 'client-to-server', opcode: 'text', body }),
    ).toBe('ws-message:f:3');
    expect(recordKey({ type: 'tls-failed', v: 1, id: 'c', at: 1, client: null, sni: null, error: null })).toBe('c');
  });
});
