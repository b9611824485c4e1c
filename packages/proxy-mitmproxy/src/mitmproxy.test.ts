import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { conformanceHome, defaultConfDir } from './home.js';
import { startMitmproxy } from './mitmproxy.js';

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
