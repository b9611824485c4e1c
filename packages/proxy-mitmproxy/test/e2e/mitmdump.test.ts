import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCodes, parseJournal, splitRecords } from '@conformance/core';
import { requestViaProxy } from '@conformance/testing';
import {
  CA_FILES,
  exportCa,
  recordKey,
  startMitmproxy,
  type MitmproxyCapture,
  type MitmproxyOptions,
  type ProxyEngine,
} from '../../src/index.js';

const run = promisify(execFile);

// Real mitmdump (Debian's), real clients, hosts that do not resolve: nothing leaves the machine.
let dir: string;
let confDir: string;
let ca: string;
let backend: Server;
let backendPort: number;
let sockets: WebSocketServer;
let socketsPort: number;

const SSE_EVENTS = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: {"n":3}\n\n'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mitm-e2e-'));
  confDir = join(dir, 'conf');
  backend = createServer((request, response) => {
    if (request.url === '/events') {
      // Server-sent events, one chunk at a time.
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let index = 0;
      const timer = setInterval(() => {
        response.write(SSE_EVENTS[index++]);
        if (index === SSE_EVENTS.length) {
          clearInterval(timer);
          response.end();
        }
      }, 30);
      return;
    }
    response.end(`first party ${request.url}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as { port: number }).port;
  sockets = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  sockets.on('connection', (socket) =>
    socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${data}`, { binary: isBinary })),
  );
  await new Promise<void>((resolve) => sockets.once('listening', () => resolve()));
  socketsPort = (sockets.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => sockets.close(() => resolve()));
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

async function captureWith(
  name: string,
  work: (proxy: MitmproxyCapture) => Promise<void>,
  options: Partial<MitmproxyOptions> = {},
) {
  const journalPath = join(dir, name, 'flows.jsonl');
  const proxy = await startMitmproxy({
    journalPath,
    confDir,
    serve: { 'app.example.test': backendPort, 'chat.example.test': socketsPort },
    ...options,
  });
  ca ??= await readFile(join(confDir, 'mitmproxy-ca-cert.pem'), 'utf8');
  let summary: Awaited<ReturnType<MitmproxyCapture['stop']>>;
  try {
    await work(proxy);
  } finally {
    summary = await proxy.stop();
  }
  const journal = parseJournal(await readFile(journalPath, 'utf8'), journalPath);
  return { summary, journalPath, records: journal.records, ...splitRecords(journal.records) };
}

/** A CONNECT tunnel through the proxy, the way a device reaches any host. */
function tunnel(proxyPort: number, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const connect = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `${host}:${port}` });
    connect.once('connect', (_response, socket) => resolve(socket));
    connect.once('error', reject);
    connect.end();
  });
}

/** Opens a WebSocket through the proxy, sends each message, and collects the answers. */
async function webSocketExchange(proxyPort: number, url: string, messages: (string | Buffer)[]): Promise<(string | Buffer)[]> {
  const target = new URL(url);
  const secure = target.protocol === 'wss:';
  const raw = await tunnel(proxyPort, target.hostname, Number(target.port || (secure ? 443 : 80)));
  const socket = secure ? tlsConnect({ socket: raw, servername: target.hostname, ca, ALPNProtocols: ['http/1.1'] }) : raw;
  const client = new WebSocket(url, { createConnection: () => socket });
  const answers: (string | Buffer)[] = [];
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('open', () => client.send(messages[0]!));
    client.on('message', (data: Buffer, isBinary) => {
      answers.push(isBinary ? data : data.toString());
      if (answers.length < messages.length) client.send(messages[answers.length]!);
      else client.close();
    });
    client.once('close', () => resolve());
  });
  return answers;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

// Every test runs on both engines: the lean one (the default) and mitmdump with the addon as a script.
describe.each<ProxyEngine>(['lean', 'mitmdump'])('the recording addon on the %s engine', (engine) => {
  const capture = (name: string, work: (proxy: MitmproxyCapture) => Promise<void>, options: Partial<MitmproxyOptions> = {}) =>
    captureWith(`${engine}-${name}`, work, { engine, ...options });

  it("names the engine that ran, and mitmproxy's version, in the ready record", async () => {
    const { records } = await capture('ready', async () => undefined);
    expect(records.filter((record) => record.type === 'ready')).toEqual([
      expect.objectContaining({ engine, mitmproxy: expect.stringMatching(/^\d+\.\d+/) }),
    ]);
  });

  it("refuses a bad option with mitmproxy's reason, as CONF_PROXY_START", async () => {
    // mitmdump logs a script's refused option and exits a moment after its port opened: the
    // start waits for the addon's ready record too, so the refusal is not taken for a start.
    const start = startMitmproxy({
      journalPath: join(dir, `${engine}-bad-option`, 'flows.jsonl'),
      confDir,
      engine,
      mode: 'mirror' as MitmproxyOptions['mode'],
      startTimeoutMs: 3_000,
    });
    await expect(start).rejects.toMatchObject({
      code: ErrorCodes.PROXY_START,
      message: expect.stringContaining('conformance_mode must be one of sinkhole, passthrough'),
    });
  });

  it('gives up a port a test listener holds for a new pick, and after three taken ports fails with CONF_PORT_IN_USE', async () => {
    const held = createNetServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const heldPort = (held.address() as { port: number }).port;
    try {
      const picks: number[] = [];
      const { ready } = await capture(
        'held-port',
        async (proxy) => {
          // It listens on the second pick, and answers there as the proxy.
          expect(picks).toEqual([heldPort, proxy.port]);
          expect(proxy.port).not.toBe(heldPort);
          const answer = await requestViaProxy(proxy.port, 'http://collect.vendor.test/held');
          expect(answer.status).toBe(204);
        },
        {
          pickPort: async () => {
            const port = picks.length === 0 ? heldPort : await getPort({ host: '127.0.0.1' });
            picks.push(port);
            return port;
          },
        },
      );
      expect(ready).toBe(true);
      const refused = startMitmproxy({
        journalPath: join(dir, `${engine}-held-port-always`, 'flows.jsonl'),
        confDir,
        engine,
        pickPort: async () => heldPort,
      });
      await expect(refused).rejects.toMatchObject({
        code: ErrorCodes.PORT_IN_USE,
        message: expect.stringContaining(`(${heldPort}, ${heldPort}, ${heldPort})`),
      });
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
  });

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
    expect(summary).toMatchObject({ ready: true, journaled: 3, streamed: 3, missingFromStream: [] });
  });

  it('records the sinkhole answer as a response record of the same flow', async () => {
    const { flows, responses } = await capture('sinkhole-response', async (proxy) => {
      await requestViaProxy(proxy.port, 'https://collect.vendor.test/v1/e', { method: 'POST', body: 'a=1', ca });
    });
    expect(responses).toEqual([
      expect.objectContaining({ id: flows[0]!.id, status: 204, sinkhole: true, answer: 'sinkhole', streamed: false }),
    ]);
    expect(flows[0]!.completedMono).toBeGreaterThanOrEqual(flows[0]!.startedMono!);
    expect(flows[0]!.tls).toMatchObject({
      accepted: true,
      version: expect.stringMatching(/^TLSv1\.[23]$/),
      offeredVersions: expect.arrayContaining(['TLSv1.3']),
    });
  });

  it('keeps every byte of a 10 MB upload in a body file whose hash matches what the client sent', async () => {
    const upload = randomBytes(10 * 1024 * 1024);
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    const { flows, journalPath } = await capture('upload', async (proxy) => {
      response = await requestViaProxy(proxy.port, 'https://upload.vendor.test/big', { method: 'POST', body: upload, ca });
    });
    expect(response.status).toBe(204);
    const digest = sha256(upload);
    expect(flows[0]!.body).toEqual({ size: upload.length, sha256: digest, encoding: 'file', file: `bodies/${digest}` });
    const stored = await readFile(join(journalPath, '..', flows[0]!.body.file!));
    expect(stored.length).toBe(upload.length);
    expect(sha256(stored)).toBe(digest);
  });

  it('keeps a gzip request body raw, as sent', async () => {
    const compressed = gzipSync(JSON.stringify({ imei: '490154203237518' }));
    const { flows } = await capture('gzip', async (proxy) => {
      await requestViaProxy(proxy.port, 'https://collect.vendor.test/z', {
        method: 'POST',
        body: compressed,
        ca,
        headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
      });
    });
    expect(flows[0]!.body).toMatchObject({ encoding: 'base64', size: compressed.length, sha256: sha256(compressed) });
    expect(Buffer.from(flows[0]!.body.data!, 'base64').equals(compressed)).toBe(true);
  });

  it('records an HTTP/2 request made by curl through a CONNECT tunnel', async () => {
    let out = '';
    const { flows } = await capture('http2', async (proxy) => {
      const caFile = join(confDir, CA_FILES.certPem);
      ({ stdout: out } = await run('curl', [
        '-sS',
        '--http2',
        '-x',
        proxy.url,
        '--cacert',
        caFile,
        '-d',
        'h2=1',
        '-o',
        '/dev/null',
        '-w',
        '%{http_version} %{http_code}',
        'https://h2.vendor.test/v2/e',
      ]));
    });
    expect(out).toBe('2 204');
    expect(flows[0]).toMatchObject({
      httpVersion: 'HTTP/2.0',
      host: 'h2.vendor.test',
      method: 'POST',
      body: { data: 'h2=1' },
      tls: { alpn: 'h2' },
    });
  });

  it('records each WebSocket message over cleartext ws and over wss, in order and per direction', async () => {
    let answers: (string | Buffer)[] = [];
    let secureAnswers: (string | Buffer)[] = [];
    const { flows, wsMessages } = await capture('websocket', async (proxy) => {
      answers = await webSocketExchange(proxy.port, 'ws://chat.example.test/socket', ['hello', Buffer.from([0, 1, 2, 255])]);
      secureAnswers = await webSocketExchange(proxy.port, 'wss://chat.example.test/socket', ['secret']);
    });
    expect(answers).toEqual(['echo:hello', Buffer.from([0, 1, 2, 255])]);
    expect(secureAnswers).toEqual(['echo:secret']);
    const [plain, secure] = flows;
    expect(plain).toMatchObject({ scheme: 'http', websocket: true, tls: null, answer: 'local' });
    expect(secure).toMatchObject({ scheme: 'https', websocket: true, tls: { sni: 'chat.example.test' } });
    const of = (id: string) =>
      wsMessages.filter((message) => message.id === id).map((m) => [m.seq, m.direction, m.opcode, m.body.data]);
    expect(of(plain!.id)).toEqual([
      [0, 'client-to-server', 'text', 'hello'],
      [1, 'server-to-client', 'text', 'echo:hello'],
      [2, 'client-to-server', 'binary', 'AAEC/w=='],
      [3, 'server-to-client', 'binary', 'AAEC/w=='],
    ]);
    expect(of(secure!.id)).toEqual([
      [0, 'client-to-server', 'text', 'secret'],
      [1, 'server-to-client', 'text', 'echo:secret'],
    ]);
  });

  it('streams server-sent events from a served first party to the client and records them', async () => {
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    const { responses } = await capture('sse', async (proxy) => {
      response = await requestViaProxy(proxy.port, 'https://app.example.test/events', { ca });
    });
    expect(response.body.toString()).toBe(SSE_EVENTS.join(''));
    expect(responses[0]).toMatchObject({ status: 200, streamed: true, answer: 'local', body: { data: SSE_EVENTS.join('') } });
  });

  it('forwards upstream in passthrough mode, and sinkholes the same request in sinkhole mode', async () => {
    const url = `http://127.0.0.1:${backendPort}/real`;
    let passed!: Awaited<ReturnType<typeof requestViaProxy>>;
    let sunk!: Awaited<ReturnType<typeof requestViaProxy>>;
    const passthrough = await capture(
      'passthrough',
      async (proxy) => {
        passed = await requestViaProxy(proxy.port, url);
      },
      { mode: 'passthrough' },
    );
    const sinkhole = await capture('passthrough-sinkhole', async (proxy) => {
      sunk = await requestViaProxy(proxy.port, url);
    });
    expect(passed.body.toString()).toBe('first party /real');
    expect(passthrough.flows[0]).toMatchObject({ answer: 'upstream' });
    expect(passthrough.responses[0]).toMatchObject({ status: 200, sinkhole: false, body: { data: 'first party /real' } });
    expect(sunk.status).toBe(204);
    expect(sinkhole.responses[0]).toMatchObject({ status: 204, sinkhole: true });
  });

  it('writes an error record when the upstream cannot be reached', async () => {
    const closed = await getPort({ host: '127.0.0.1' });
    let response!: Awaited<ReturnType<typeof requestViaProxy>>;
    const { flows, errors } = await capture(
      'error',
      async (proxy) => {
        response = await requestViaProxy(proxy.port, `http://127.0.0.1:${closed}/gone`);
      },
      { mode: 'passthrough' },
    );
    expect(response.status).toBe(502);
    expect(errors).toEqual([
      expect.objectContaining({ id: flows[0]!.id, stage: 'request', message: expect.stringMatching(/refused|connect/i) }),
    ]);
  });

  it('keeps everything in the journal when the stream reader detaches, and names what the stream lost', async () => {
    const { flows, records, summary } = await capture('detached', async (proxy) => {
      await requestViaProxy(proxy.port, 'http://early.vendor.test/1');
      proxy.detachStream();
      for (let i = 0; i < 5; i++) await requestViaProxy(proxy.port, `http://late.vendor.test/${i}`);
    });
    expect(flows.map((flow) => flow.host)).toEqual(['early.vendor.test', ...Array(5).fill('late.vendor.test')]);
    const late = records.filter(
      (record) => record.type !== 'ready' && 'id' in record && flows.slice(1).some((flow) => flow.id === record.id),
    );
    expect(late.length).toBe(10); // five flows, five responses
    expect(summary.missingFromStream).toEqual(expect.arrayContaining(late.map(recordKey)));
    expect(summary.journaled).toBe(records.length);
  });

  it('keeps everything in the journal with a slow stream reader, and the stream and journal reconcile', async () => {
    const { flows, records, summary } = await capture(
      'slow-reader',
      async (proxy) => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => requestViaProxy(proxy.port, `http://slow.vendor.test/${i}`)));
      },
      {
        onRecord: () => {
          const until = Date.now() + 15;
          while (Date.now() < until); // a consumer that blocks the event loop
        },
      },
    );
    expect(flows).toHaveLength(20);
    expect(summary.journaled).toBe(records.length);
    expect(summary.streamed + summary.missingFromStream.length).toBe(summary.journaled);
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
    expect(tlsFailures).toEqual([
      expect.objectContaining({
        sni: 'pinned.vendor.test',
        host: 'pinned.vendor.test',
        port: 443,
        offeredVersions: expect.arrayContaining(['TLSv1.3']),
        alpnOffered: ['http/1.1'],
        error: expect.any(String),
        at: expect.any(Number),
      }),
    ]);
  });

  it('generates one CA when two proxies start at once in an empty confdir, with the key kept 0600', async () => {
    const freshConf = join(dir, `${engine}-fresh-conf`);
    const start = (name: string) =>
      startMitmproxy({ journalPath: join(dir, `${engine}-${name}`, 'flows.jsonl'), confDir: freshConf, engine });
    const proxies = await Promise.all([start('fresh-a'), start('fresh-b')]);
    try {
      const freshCa = await readFile(join(freshConf, CA_FILES.certPem), 'utf8');
      for (const proxy of proxies) {
        const response = await requestViaProxy(proxy.port, 'https://collect.vendor.test/', { ca: freshCa });
        expect(response.status).toBe(204);
      }
    } finally {
      await Promise.all(proxies.map((proxy) => proxy.stop()));
    }
    expect((await stat(join(freshConf, CA_FILES.keyAndCert))).mode & 0o777).toBe(0o600);
    expect((await stat(join(freshConf, CA_FILES.keyPkcs12))).mode & 0o777).toBe(0o600);
    const { stdout } = await run('openssl', ['x509', '-noout', '-subject_hash_old', '-in', join(freshConf, CA_FILES.certPem)]);
    expect((await exportCa(freshConf)).subjectHashOld).toBe(stdout.trim());
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
    const journalPath = join(dir, `${engine}-crash`, 'flows.jsonl');
    const proxy = await startMitmproxy({ journalPath, confDir, engine });
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
