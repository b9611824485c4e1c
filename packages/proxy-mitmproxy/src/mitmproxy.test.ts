import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { conformanceHome, defaultConfDir } from './home.js';
import { ADDON_PATH, ENGINE_PATH, engineCommand, recordKey, scriptInterpreter, startMitmproxy } from './mitmproxy.js';

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

describe('engineCommand', () => {
  async function executable(content: string | Buffer): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'engine-'));
    const path = join(dir, 'mitmdump');
    await writeFile(path, content);
    await chmod(path, 0o755);
    return path;
  }

  it("reads the interpreter from a Python mitmdump's #! line, with env and its arguments", async () => {
    expect(await scriptInterpreter(await executable('#!/usr/bin/python3\nimport sys\n'))).toEqual(['/usr/bin/python3']);
    expect(await scriptInterpreter(await executable('#! /usr/bin/env python3.11 -I\n'))).toEqual([
      '/usr/bin/env',
      'python3.11',
      '-I',
    ]);
    expect(await scriptInterpreter(await executable('#!/opt/venv/bin/python\n'))).toEqual(['/opt/venv/bin/python']);
  });

  it('finds no interpreter for a binary, a shell script or a missing file', async () => {
    expect(await scriptInterpreter(await executable(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])))).toBeUndefined();
    expect(await scriptInterpreter(await executable('#!/bin/sh\nexec python3 -m mitmproxy\n'))).toBeUndefined();
    expect(await scriptInterpreter('/nonexistent/mitmdump')).toBeUndefined();
    expect(await scriptInterpreter('no-such-command-on-the-path')).toBeUndefined();
  });

  it('runs engine.py on that interpreter by default, and mitmdump with the addon as a script otherwise', async () => {
    const python = await executable('#!/usr/bin/python3\n');
    expect(await engineCommand(python)).toEqual({ engine: 'lean', command: '/usr/bin/python3', args: [ENGINE_PATH] });
    expect(await engineCommand(python, { python: '/opt/py/bin/python3' })).toEqual({
      engine: 'lean',
      command: '/opt/py/bin/python3',
      args: [ENGINE_PATH],
    });
    const asScript = {
      engine: 'mitmdump',
      command: python,
      args: ['--scripts', ADDON_PATH, '--set', 'flow_detail=0', '--set', 'conformance_engine=mitmdump'],
    };
    expect(await engineCommand(python, { engine: 'mitmdump' })).toEqual(asScript);
    const binary = await executable(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(await engineCommand(binary)).toEqual({ ...asScript, command: binary });
  });

  it('takes the engine from CONFORMANCE_PROXY_ENGINE and refuses an unknown one', async () => {
    const python = await executable('#!/usr/bin/python3\n');
    const saved = process.env['CONFORMANCE_PROXY_ENGINE'];
    try {
      process.env['CONFORMANCE_PROXY_ENGINE'] = 'mitmdump';
      expect((await engineCommand(python)).engine).toBe('mitmdump');
      process.env['CONFORMANCE_PROXY_ENGINE'] = 'turbo';
      await expect(engineCommand(python)).rejects.toMatchObject({ code: ErrorCodes.USAGE });
    } finally {
      if (saved === undefined) delete process.env['CONFORMANCE_PROXY_ENGINE'];
      else process.env['CONFORMANCE_PROXY_ENGINE'] = saved;
    }
  });
});
