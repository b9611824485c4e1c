/**
 * Throughput and added latency of the recording proxy, on loopback only.
 *
 * Load: BENCH_REQUESTS (default 3,000) POSTs of 1 KiB from 8 concurrent keep-alive clients to a
 * local 127.0.0.1 server. Four set-ups, same client and server:
 *   direct     the client hits the server;
 *   bare       through mitmdump with no addon (the engine's floor), URL http://127.0.0.1:PORT/;
 *   recording  through mitmdump with the recording addon, the server served as the first party
 *              `app.example.test` (recorded, forwarded locally, journal fsynced per record).
 * bare and recording run twice, alternating; the better round of each is compared (the machine
 * is shared, so a single round mostly measures the neighbours).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { parseJournal, splitRecords } from '@conformance/core';
import { startMitmproxy } from '../src/index.js';

const REQUESTS = Math.min(Math.max(Number(process.env['BENCH_REQUESTS'] ?? 3000), 100), 100_000);
const CONCURRENCY = 8;
const WARMUP = 200;
const BODY = randomBytes(512).toString('hex'); // 1 KiB of text
const FIRST_PARTY = 'app.example.test';

interface Result {
  label: string;
  requests: number;
  seconds: number;
  perSecond: number;
  medianMs: number;
  p95Ms: number;
  failures: number;
}

async function load(label: string, count: number, send: (agent: Agent) => Promise<number>): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const t = process.hrtime.bigint();
        const status = await send(agent).catch(() => 0);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (status !== 200) failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    label,
    requests: count,
    seconds,
    perSecond: count / seconds,
    medianMs: latencies[Math.floor(latencies.length / 2)]!,
    p95Ms: latencies[Math.floor(latencies.length * 0.95)]!,
    failures,
  };
}

function post(agent: Agent, port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { host, 'content-type': 'text/plain', 'content-length': BODY.length },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(BODY);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

async function bareMitmdump(confDir: string, serverPort: number, count: number): Promise<Result> {
  const port = await getPort({ host: '127.0.0.1' });
  const child = spawn(
    process.env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump',
    ['-q', '--listen-host', '127.0.0.1', '-p', String(port), '--set', `confdir=${confDir}`, '--set', 'connection_strategy=lazy'],
    { stdio: 'ignore' },
  );
  try {
    await waitForPort(port);
    const url = `http://127.0.0.1:${serverPort}/bench`;
    await load('warm-up', WARMUP, (agent) => post(agent, port, url, `127.0.0.1:${serverPort}`));
    return await load('mitmdump, no addon', count, (agent) => post(agent, port, url, `127.0.0.1:${serverPort}`));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function recording(dir: string, confDir: string, serverPort: number, count: number, round: number) {
  const journalPath = join(dir, `recording-${round}`, 'flows.jsonl');
  const proxy = await startMitmproxy({ journalPath, confDir, serve: { [FIRST_PARTY]: serverPort }, fsync: fsyncMode() });
  const url = `http://${FIRST_PARTY}/bench`;
  let result: Result;
  try {
    await load('warm-up', WARMUP, (agent) => post(agent, proxy.port, url, FIRST_PARTY));
    result = await load('mitmdump + recording addon', count, (agent) => post(agent, proxy.port, url, FIRST_PARTY));
  } catch (error) {
    await proxy.stop();
    throw error;
  }
  const summary = await proxy.stop();
  const { flows, responses } = splitRecords(parseJournal(await readFile(journalPath, 'utf8'), journalPath).records);
  const recorded = flows.filter(
    (flow) => flow.method === 'POST' && flow.host === FIRST_PARTY && flow.body.size === BODY.length,
  ).length;
  return {
    result,
    recorded,
    responses: responses.length,
    expected: count + WARMUP,
    missingFromStream: summary.missingFromStream.length,
  };
}

/** BENCH_FSYNC=batch (default) | record | off: when the recording journal is fsynced. */
function fsyncMode(): 'batch' | 'record' | 'off' {
  const mode = process.env['BENCH_FSYNC'] ?? 'batch';
  if (mode !== 'batch' && mode !== 'record' && mode !== 'off')
    throw new Error(`BENCH_FSYNC must be batch, record or off, not ${mode}`);
  return mode;
}

function row(result: Result, directMedian?: number): string {
  const added = directMedian === undefined ? '' : `  added median ${(result.medianMs - directMedian).toFixed(2)} ms`;
  return `${result.label.padEnd(28)} ${result.perSecond.toFixed(0).padStart(6)} req/s  median ${result.medianMs.toFixed(2)} ms  p95 ${result.p95Ms.toFixed(2)} ms  failures ${result.failures}${added}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'proxy-bench-'));
  const confDir = join(dir, 'conf');
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serverPort = (server.address() as { port: number }).port;
  console.log(
    `proxy bench: ${REQUESTS} POSTs of ${BODY.length} B, ${CONCURRENCY} concurrent clients, loopback only; journal fsync: ${fsyncMode()}`,
  );
  console.log(
    `machine: ${cpus().length} cores, load average before ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (shared: figures include contention)`,
  );
  try {
    await load('warm-up', WARMUP, (agent) => post(agent, serverPort, '/bench', `127.0.0.1:${serverPort}`));
    const direct = await load('direct (no proxy)', REQUESTS, (agent) =>
      post(agent, serverPort, '/bench', `127.0.0.1:${serverPort}`),
    );
    console.log(row(direct));
    const bares: Result[] = [];
    const recordings: Awaited<ReturnType<typeof recording>>[] = [];
    for (let round = 1; round <= 2; round++) {
      const bare = await bareMitmdump(confDir, serverPort, REQUESTS);
      console.log(`${row(bare, direct.medianMs)}  (round ${round})`);
      bares.push(bare);
      const rec = await recording(dir, confDir, serverPort, REQUESTS, round);
      console.log(
        `${row(rec.result, direct.medianMs)}  (round ${round}; journal: ${rec.recorded}/${rec.expected} flows, ${rec.responses} responses, lost ${rec.expected - rec.recorded}, missing from stream ${rec.missingFromStream})`,
      );
      recordings.push(rec);
    }
    const bestBare = Math.max(...bares.map((b) => b.perSecond));
    const bestRecording = Math.max(...recordings.map((r) => r.result.perSecond));
    const lost = recordings.reduce((sum, r) => sum + (r.expected - r.recorded), 0);
    console.log(`recording / bare (best round of each): ${((bestRecording / bestBare) * 100).toFixed(1)}% (goal ≥ 90%)`);
    console.log(`flows lost across both recording rounds: ${lost} (goal 0)`);
    console.log(
      `load average after ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    if (lost > 0) process.exitCode = 1;
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
