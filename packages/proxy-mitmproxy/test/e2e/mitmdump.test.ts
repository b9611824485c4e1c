import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, parseJournal, splitRecords, type RunningProxy } from '@conformance/core';
import { requestViaProxy } from '@conformance/testing';
import { startMitmproxy } from '../../src/index.js';

// Real mitmdump (Debian's), real clients, hosts that do not resolve: nothing leaves the machine.
let dir: string;
let confDir: string;
let ca: string;
let backend: Server;
let backendPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mitm-e2e-'));
  confDir = join(dir, 'conf');
  backend = createServer((request, response) => response.end(`first party ${request.url}`));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => backend.close(() => resolve())));

async function capture(name: string, work: (proxy: RunningProxy) => Promise<void>) {
  const journalPath = join(dir, name, 'flows.jsonl');
  const proxy = await startMitmproxy({ journalPath, confDir, serve: { 'app.example.test': backendPort } });
  ca ??= await readFile(join(confDir, 'mitmproxy-ca-cert.pem'), 'utf8');
  let summary: Awaited<ReturnType<RunningProxy['stop']>>;
  try {
    await work(proxy);
  } finally {
    summary = await proxy.stop();
  }
  const journal = parseJournal(await readFile(journalPath, 'utf8'), journalPath);
  return { summary, ...splitRecords(journal.records) };
}

describe('mitmdump with the recording addon', () => {
  it('records an https request to an unresolvable host with its body and answers 204 with CORS', async () => {
    const body = JSON.stringify({ event: 'launch', deviceId: 'abc' });
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    const { flows, summary } = await capture('sinkhole', async (proxy) => {
      response = await requestViaProxy(proxy.port, 'https://collect.vendor.test/v1/batch?x=1', {
        method: 'POST',
        body,
        ca,
        headers: { origin: 'https://app.example.test', 'content-type': 'application/json' },
      });
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      method: 'POST',
      scheme: 'https',
      host: 'collect.vendor.test',
      path: '/v1/batch?x=1',
      answer: 'sinkhole',
      tls: { sni: 'collect.vendor.test' },
      body: { encoding: 'utf8', data: body, size: body.length, sha256: createHash('sha256').update(body).digest('hex') },
    });
    expect(summary).toMatchObject({ ready: true, journaled: 2, streamed: 2, missingFromStream: [] });
  });

  it('answers a CORS preflight, echoing the requested headers', async () => {
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    await capture('preflight', async (proxy) => {
      response = await requestViaProxy(proxy.port, 'https://collect.vendor.test/v1/batch', {
        method: 'OPTIONS',
        ca,
        headers: {
          origin: 'https://app.example.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-key',
        },
      });
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-headers']).toBe('content-type,x-key');
  });

  it('records a cleartext request as http with no TLS facts', async () => {
    const { flows } = await capture('cleartext', async (proxy) => {
      await requestViaProxy(proxy.port, 'http://plain.vendor.test/p?imei=1', { method: 'GET' });
    });
    expect(flows[0]).toMatchObject({ scheme: 'http', host: 'plain.vendor.test', tls: null, answer: 'sinkhole' });
  });

  it('forwards a first-party host to its local server', async () => {
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    const { flows } = await capture('served', async (proxy) => {
      response = await requestViaProxy(proxy.port, 'https://app.example.test/index.html', { ca });
    });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('first party /index.html');
    expect(flows[0]).toMatchObject({ host: 'app.example.test', scheme: 'https', answer: 'local' });
  });

  it('records a failed handshake, with the host, when the client refuses the interception certificate', async () => {
    const { tlsFailures, flows } = await capture('pinned', async (proxy) => {
      await expect(requestViaProxy(proxy.port, 'https://pinned.vendor.test/', {})).rejects.toThrow();
    });
    expect(flows).toHaveLength(0);
    expect(tlsFailures).toEqual([expect.objectContaining({ sni: 'pinned.vendor.test' })]);
  });

  it('keeps two concurrent captures apart', async () => {
    const [a, b] = await Promise.all([
      capture('concurrent-a', async (proxy) => {
        for (let i = 0; i < 5; i++) await requestViaProxy(proxy.port, `http://a.vendor.test/${i}`);
      }),
      capture('concurrent-b', async (proxy) => {
        for (let i = 0; i < 5; i++) await requestViaProxy(proxy.port, `http://b.vendor.test/${i}`);
      }),
    ]);
    expect(a.flows.map((flow) => flow.host)).toEqual(Array(5).fill('a.vendor.test'));
    expect(b.flows.map((flow) => flow.host)).toEqual(Array(5).fill('b.vendor.test'));
  });

  it('reports a killed mitmdump as CONF_PROXY_CRASHED and keeps the journal up to the crash', async () => {
    const journalPath = join(dir, 'crash', 'flows.jsonl');
    const proxy = await startMitmproxy({ journalPath, confDir });
    await requestViaProxy(proxy.port, 'http://before.vendor.test/1');
    process.kill(proxy.pid!, 'SIGKILL');
    await expect(proxy.crashed).rejects.toMatchObject({
      code: ErrorCodes.PROXY_CRASHED,
      message: expect.stringContaining('killed by SIGKILL'),
    });
    const summary = await proxy.stop();
    expect(summary.proxyExit).toBe('killed by SIGKILL');
    const { flows } = splitRecords(parseJournal(await readFile(journalPath, 'utf8'), journalPath).records);
    expect(flows.map((flow) => flow.host)).toEqual(['before.vendor.test']);
  });
});
