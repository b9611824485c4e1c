import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../program.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const journal = [
  { type: 'ready', v: 1, at: 1_700_000_000_000 },
  {
    type: 'flow',
    v: 1,
    id: 'f1',
    startedAt: 1_700_000_000_001,
    completedAt: 1_700_000_000_002,
    client: '127.0.0.1:4000',
    method: 'GET',
    scheme: 'http',
    host: 'plain.vendor.test',
    port: 80,
    path: '/p?imei=1',
    url: 'http://plain.vendor.test/p?imei=1',
    httpVersion: 'HTTP/1.1',
    headers: [['host', 'plain.vendor.test']],
    body: { size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', encoding: 'utf8', data: '' },
    tls: null,
    answer: 'sinkhole',
  },
]
  .map((record) => JSON.stringify(record))
  .join('\n');

describe('conformance capture export --har', () => {
  it('writes a HAR 1.2 log of a scenario folder to --out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-har-'));
    await writeFile(join(dir, 'flows.jsonl'), `${journal}\n`);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['capture', 'export', '--har', dir, '--out', join(dir, 'capture.har')])).toBe(0);
    const har = JSON.parse(await readFile(join(dir, 'capture.har'), 'utf8'));
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries).toEqual([
      expect.objectContaining({ request: expect.objectContaining({ url: 'http://plain.vendor.test/p?imei=1' }) }),
    ]);
  });

  it('prints to stdout without --out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-har-'));
    await writeFile(join(dir, 'flows.jsonl'), `${journal}\n`);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    expect(await main(['capture', 'export', '--har', join(dir, 'flows.jsonl')])).toBe(0);
    expect(JSON.parse(out.join('')).log.entries).toHaveLength(1);
  });

  it('exits 2 with CONF_USAGE when no format is given, or the folder has no journal', async () => {
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    expect(await main(['capture', 'export'])).toBe(2);
    expect(await main(['capture', 'export', '--har', await mkdtemp(join(tmpdir(), 'cli-har-'))])).toBe(2);
    expect(errors.join('')).toMatch(/CONF_USAGE[\s\S]*CONF_USAGE.*holds no flows\.jsonl/);
  });
});
