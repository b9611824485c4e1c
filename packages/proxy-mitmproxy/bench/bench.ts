/**
 * Throughput and added latency of the recording proxy, on loopback only.
 *
 * Load: BENCH_REQUESTS (default 3,000) POSTs of 1 KiB from 8 concurrent keep-alive clients to a
 * local 127.0.0.1 server. Five set-ups, same client and server:
 *   direct              the client hits the server;
 *   mitmdump            through mitmdump with no addon (the stock engine's floor), URL
 *                       http://127.0.0.1:PORT/;
 *   lean                through the lean engine (addon/engine.py) without the recording addon:
 *                       the floor of the engine captures run on;
 *   recording           a capture as `startMitmproxy` runs it (lean engine + recording addon), the
 *                       server served as the first party `app.example.test` (recorded, forwarded
 *                       locally, both records journaled and streamed to this process, which
 *                       parses them as a capture does);
 *   recording/mitmdump  the same capture on the mitmdump engine (the addon as a script), the
 *                       fallback when the lean engine does not fit the installed mitmproxy.
 * The clients and the server run in a worker thread, so in every set-up they have an event loop
 * of their own: the stream parsing of the recording rounds runs on the main thread, as it would
 * beside a real device, instead of delaying the load generator and the server (its CPU still
 * counts: it competes for the same cores). The proxied set-ups alternate for BENCH_ROUNDS rounds
 * (default 3); best and median rounds are compared (the machine is shared, so a single round
 * mostly measures the neighbours). CPU time per request of the proxy (from /proc) is printed too:
 * it is far less sensitive to the neighbours than requests/s.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import getPort from 'get-port';
import { parseJournal, splitRecords } from '@conformance/core';
import { engineCommand, startMitmproxy, type ProxyEngine } from '../src/index.js';
import { waitForPort } from '../src/mitmproxy.js';

const REQUESTS = Math.min(Math.max(Number(process.env['BENCH_REQUESTS'] ?? 3000), 100), 100_000);
const ROUNDS = Math.min(Math.max(Math.round(Number(process.env['BENCH_ROUNDS'] ?? 3)), 1), 20);
const CONCURRENCY = 8;
const WARMUP = 200;
const BODY = randomBytes(512).toString('hex'); // 1 KiB of text
const FIRST_PARTY = 'app.example.test';

interface Result {
  label: string;
  /** CPU time of the mitmdump process per request, in µs (Linux /proc), if known. */
  proxyCpuUs?: number;
  /** CPU time of this Node process (clients, server and stream reading, all threads) per request, in µs. */
  nodeCpuUs?: number;
  requests: number;
  seconds: number;
  perSecond: number;
  medianMs: number;
  p95Ms: number;
  failures: number;
}

/** utime + stime of a process in seconds, from /proc (Linux); undefined elsewhere. */
async function processCpu(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Where the worker's clients send their POSTs: a proxy (absolute URL in `path`) or the server itself. */
interface Target {
  port: number;
  path: string;
  host: string;
}

/** Runs in the worker: `count` POSTs from CONCURRENCY keep-alive clients. */
async function drive(label: string, count: number, target: Target): Promise<Result> {
  const send = (agent: Agent) => post(agent, target.port, target.path, target.host);
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

/** The worker thread: the origin server and the clients. */
function worker(): void {
  const port = parentPort!;
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1', () => port.postMessage({ serverPort: (server.address() as { port: number }).port }));
  port.on('message', (message: { id: number; label: string; count: number; target: Target } | 'close') => {
    if (message === 'close') {
      server.close();
      port.close();
      return;
    }
    void drive(message.label, message.count, message.target).then((result) => port.postMessage({ id: message.id, result }));
  });
}

/** The main thread's handle on the worker. */
class LoadWorker {
  private next = 0;
  private readonly pending = new Map<number, (result: Result) => void>();
  private constructor(
    private readonly thread: Worker,
    readonly serverPort: number,
  ) {
    thread.on('message', (message: { id: number; result: Result }) => {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    });
  }

  static async start(): Promise<LoadWorker> {
    const thread = new Worker(new URL(import.meta.url));
    const serverPort = await new Promise<number>((resolve, reject) => {
      thread.once('message', (message: { serverPort: number }) => resolve(message.serverPort));
      thread.once('error', reject);
    });
    return new LoadWorker(thread, serverPort);
  }

  /** Runs one load and measures the CPU time spent meanwhile by this process and by the proxy. */
  async load(label: string, count: number, target: Target, proxyPid?: number): Promise<Result> {
    const proxyCpuBefore = await processCpu(proxyPid);
    const nodeCpuBefore = process.cpuUsage();
    const id = this.next++;
    const result = await new Promise<Result>((resolve) => {
      this.pending.set(id, resolve);
      this.thread.postMessage({ id, label, count, target });
    });
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const proxyCpuAfter = await processCpu(proxyPid);
    return {
      ...result,
      nodeCpuUs: (nodeCpu.user + nodeCpu.system) / count,
      ...(proxyCpuBefore !== undefined && proxyCpuAfter !== undefined
        ? { proxyCpuUs: ((proxyCpuAfter - proxyCpuBefore) * 1e6) / count }
        : {}),
    };
  }

  async close(): Promise<void> {
    this.thread.postMessage('close');
    await new Promise((resolve) => this.thread.once('exit', resolve));
  }
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

const MITMDUMP = process.env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump';

/** A proxy with no recording: mitmdump itself, or the lean engine without the recording addon. */
async function floor(engine: ProxyEngine, loader: LoadWorker, confDir: string, count: number): Promise<Result> {
  const serverPort = loader.serverPort;
  const port = await getPort({ host: '127.0.0.1' });
  const settings = ['listen_host=127.0.0.1', `listen_port=${port}`, `confdir=${confDir}`, 'connection_strategy=lazy'];
  const sets = settings.flatMap((setting) => ['--set', setting]);
  let command = MITMDUMP;
  let args = ['-q', ...sets];
  if (engine === 'lean') {
    // The capture's own engine command line, without the recording addon.
    const lean = await engineCommand(MITMDUMP, { engine: 'lean' });
    if (lean.engine !== 'lean')
      throw new Error(`no Python found for the lean engine in ${MITMDUMP}'s #! line; set CONFORMANCE_MITMPROXY_PYTHON`);
    command = lean.command;
    args = [...lean.args, '--without-recording', ...sets];
  }
  const child = spawn(command, args, { stdio: 'ignore' });
  try {
    await waitForPort(port, 20_000);
    const target = { port, path: `http://127.0.0.1:${serverPort}/bench`, host: `127.0.0.1:${serverPort}` };
    await loader.load('warm-up', WARMUP, target);
    return await loader.load(engine === 'lean' ? 'lean engine, no addon' : 'mitmdump, no addon', count, target, child.pid);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function recording(engine: ProxyEngine, loader: LoadWorker, dir: string, confDir: string, count: number, round: number) {
  const journalPath = join(dir, `recording-${engine}-${round}`, 'flows.jsonl');
  const proxy = await startMitmproxy({
    journalPath,
    confDir,
    serve: { [FIRST_PARTY]: loader.serverPort },
    fsync: fsyncMode(),
    engine,
  });
  const target = { port: proxy.port, path: `http://${FIRST_PARTY}/bench`, host: FIRST_PARTY };
  let result: Result;
  try {
    await loader.load('warm-up', WARMUP, target);
    result = await loader.load(
      engine === 'lean' ? 'recording (lean engine)' : 'recording (mitmdump engine)',
      count,
      target,
      proxy.pid,
    );
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function row(result: Result, directMedian?: number): string {
  const added = directMedian === undefined ? '' : `  added median ${(result.medianMs - directMedian).toFixed(2)} ms`;
  const cpu =
    (result.proxyCpuUs === undefined ? '' : `  CPU/req proxy ${result.proxyCpuUs.toFixed(0)} µs`) +
    (result.nodeCpuUs === undefined ? '' : ` node ${result.nodeCpuUs.toFixed(0)} µs`);
  return `${result.label.padEnd(28)} ${result.perSecond.toFixed(0).padStart(6)} req/s  median ${result.medianMs.toFixed(2)} ms  p95 ${result.p95Ms.toFixed(2)} ms  failures ${result.failures}${added}${cpu}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'proxy-bench-'));
  const confDir = join(dir, 'conf');
  const loader = await LoadWorker.start();
  const serverPort = loader.serverPort;
  console.log(
    `proxy bench: ${REQUESTS} POSTs of ${BODY.length} B, ${CONCURRENCY} concurrent clients, loopback only; journal fsync: ${fsyncMode()}`,
  );
  console.log(
    `machine: ${cpus().length} cores, load average before ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (shared: figures include contention)`,
  );
  try {
    const directTarget = { port: serverPort, path: '/bench', host: `127.0.0.1:${serverPort}` };
    await loader.load('warm-up', WARMUP, directTarget);
    const direct = await loader.load('direct (no proxy)', REQUESTS, directTarget);
    console.log(row(direct));
    type Recording = Awaited<ReturnType<typeof recording>>;
    const floors: Record<ProxyEngine, Result[]> = { mitmdump: [], lean: [] };
    const recordings: Record<ProxyEngine, Recording[]> = { mitmdump: [], lean: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const engine of ['mitmdump', 'lean'] as const) {
        const bare = await floor(engine, loader, confDir, REQUESTS);
        console.log(`${row(bare, direct.medianMs)}  (round ${round})`);
        floors[engine].push(bare);
      }
      for (const engine of ['lean', 'mitmdump'] as const) {
        const rec = await recording(engine, loader, dir, confDir, REQUESTS, round);
        console.log(
          `${row(rec.result, direct.medianMs)}  (round ${round}; journal: ${rec.recorded}/${rec.expected} flows, ${rec.responses} responses, lost ${rec.expected - rec.recorded}, missing from stream ${rec.missingFromStream})`,
        );
        recordings[engine].push(rec);
      }
    }
    const setups: [string, Result[]][] = [
      ['mitmdump, no addon', floors.mitmdump],
      ['lean engine, no addon', floors.lean],
      ['recording (lean engine)', recordings.lean.map((r) => r.result)],
      ['recording (mitmdump engine)', recordings.mitmdump.map((r) => r.result)],
    ];
    const cpu = (results: Result[], pick: (r: Result) => number | undefined) => {
      const values = results.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? `${median(values).toFixed(0)} µs` : 'n/a';
    };
    const best = (results: Result[]) => Math.max(...results.map((r) => r.perSecond));
    const middle = (results: Result[]) => median(results.map((r) => r.perSecond));
    console.log(`\n${'set-up'.padEnd(28)} req/s best / median   median CPU per request: proxy, this Node process`);
    for (const [label, results] of setups) {
      console.log(
        `${label.padEnd(28)} ${best(results).toFixed(0).padStart(6)} / ${middle(results).toFixed(0).padEnd(6)}       ${cpu(results, (r) => r.proxyCpuUs)}, ${cpu(results, (r) => r.nodeCpuUs)}`,
      );
    }
    const ratio = (a: Result[], b: Result[]) =>
      `${((best(a) / best(b)) * 100).toFixed(1)}% best round of each, ${((middle(a) / middle(b)) * 100).toFixed(1)}% median`;
    const leanRecording = recordings.lean.map((r) => r.result);
    const mitmdumpRecording = recordings.mitmdump.map((r) => r.result);
    console.log(`recording (lean engine) / mitmdump, no addon: ${ratio(leanRecording, floors.mitmdump)} (goal ≥ 90%)`);
    console.log(`recording (lean engine) / lean engine, no addon: ${ratio(leanRecording, floors.lean)} (what recording costs)`);
    console.log(`recording (mitmdump engine) / mitmdump, no addon: ${ratio(mitmdumpRecording, floors.mitmdump)}`);
    const all = [...recordings.lean, ...recordings.mitmdump];
    const lost = all.reduce((sum, r) => sum + (r.expected - r.recorded), 0);
    const missing = all.reduce((sum, r) => sum + r.missingFromStream, 0);
    console.log(
      `flows lost across ${all.length} recording rounds (both engines): ${lost} (goal 0); missing from the stream: ${missing}`,
    );
    console.log(
      `load average after ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    if (lost > 0) process.exitCode = 1;
  } finally {
    await loader.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else worker();
