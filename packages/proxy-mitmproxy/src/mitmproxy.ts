import { spawn, type ChildProcess } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, open } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename, delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import {
  ConformanceError,
  ErrorCodes,
  onFreePort,
  parseRecordLine,
  portInUse,
  type CaptureSummary,
  type ProxyRecord,
  type RunningProxy,
} from '@conformance/core';
import { ensureCa } from './ca.js';
import { defaultConfDir } from './home.js';
import { readJournal } from './journal.js';

const ADDON_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'addon');
export const ADDON_PATH = join(ADDON_DIR, 'conformance_addon.py');
/** The capture engine: mitmproxy's proxy core with the recording addon and nothing else (see engine.py). */
export const ENGINE_PATH = join(ADDON_DIR, 'engine.py');

/**
 * What runs the recording addon. `lean` (default): `addon/engine.py` on mitmdump's own Python,
 * mitmproxy's proxy core without the addons a capture does not use (about a third less CPU per
 * request than mitmdump). `mitmdump`: mitmdump with the addon as a script. Both write the same
 * records; the journal's `ready` record names the one that ran.
 */
export type ProxyEngine = 'lean' | 'mitmdump';

export interface MitmproxyOptions {
  /** JSON-lines journal the addon writes (flushed per record). */
  journalPath: string;
  /** mitmdump's own messages go here. Default: beside the journal, `proxy.log`. */
  logPath?: string;
  /** Where mitmproxy keeps its CA. Default: `$CONFORMANCE_HOME/mitmproxy`. */
  confDir?: string;
  /** `sinkhole` (default) answers third parties locally; `passthrough` forwards them upstream. */
  mode?: 'sinkhole' | 'passthrough';
  /** Interface mitmdump listens on; default 127.0.0.1. Use 0.0.0.0 only for devices on another machine. */
  listenHost?: string;
  /** Host name or address devices use to reach the proxy (in `url`); default the listen host. */
  advertiseHost?: string;
  /** First-party hosts served by a local server: host name → port on 127.0.0.1. */
  serve?: Record<string, number>;
  /** The mitmdump executable (default `CONFORMANCE_MITMDUMP` or `mitmdump` on the PATH). */
  mitmdump?: string;
  /** Default `CONFORMANCE_PROXY_ENGINE`, else `lean`. */
  engine?: ProxyEngine;
  /**
   * The Python that runs the lean engine (default `CONFORMANCE_MITMPROXY_PYTHON`, else the
   * interpreter named by the mitmdump script's `#!` line). When there is none (a mitmdump that is
   * not a Python script), the capture runs on `mitmdump`.
   */
  python?: string;
  onRecord?: (record: ProxyRecord) => void;
  startTimeoutMs?: number;
  /**
   * Picks the port mitmdump is told to listen on; default a free loopback port (get-port). A
   * port taken before mitmdump binds it is given up for a new pick, PORT_ATTEMPTS times in all.
   */
  pickPort?: () => Promise<number>;
  /** At stop, wait until no record has arrived for this long (at most 3 s) before ending mitmdump. Default 300 ms. */
  drainQuietMs?: number;
  /** Bodies larger than this many bytes are stored in `bodies/<sha256>` beside the journal. Default 65536. */
  inlineBodyLimit?: number;
  /** A body longer than this (bytes) is stored cut to it, marked `truncated`. Default DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /**
   * Body bytes this capture (one scenario) stores in all; past it, bodies are stored cut (to
   * nothing, once it is spent), marked `truncated`. Default DEFAULT_MAX_EVIDENCE_BYTES.
   */
  maxEvidenceBytes?: number;
  /** Records the addon queues for a slow stream reader before it drops them from the stream (never from the journal). */
  streamQueueLimit?: number;
  /**
   * When the journal reaches the disk. Every record is written to the kernel before the flow
   * goes on (it survives a crash of mitmdump) in every mode; `batch` (default) fsyncs from a
   * background thread right after (one fsync covers the records written meanwhile), `record`
   * fsyncs each record before the flow goes on, `off` leaves it to the kernel.
   */
  fsync?: 'batch' | 'record' | 'off';
}

/** A running mitmdump capture. */
export interface MitmproxyCapture extends RunningProxy {
  /** The folder holding the CA (`mitmproxy-ca-cert.pem` is the certificate to trust). */
  confDir: string;
  /**
   * Stops reading the stream, as a stalled consumer would. The addon keeps journaling;
   * `stop()` reports every record the stream lost in `missingFromStream`.
   */
  detachStream(): void;
}

/** The default cap of one stored body: 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The default cap of the body bytes one scenario stores: 64 MiB. */
export const DEFAULT_MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;

/**
 * Starts mitmdump with the recording addon on a free loopback port and waits until it accepts
 * connections. mitmdump must be told its port, so another process can take the port first: a
 * start that fails to bind (mitmproxy's "address already in use", and no ready record) is tried
 * again on a new port, PORT_ATTEMPTS times, then fails with CONF_PORT_IN_USE.
 */
export async function startMitmproxy(options: MitmproxyOptions): Promise<MitmproxyCapture> {
  const executable = options.mitmdump ?? process.env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump';
  const confDir = options.confDir ?? defaultConfDir();
  await mkdir(dirname(options.journalPath), { recursive: true });
  await ensureCa(confDir, { mitmdump: executable });
  return onFreePort('the proxy (mitmdump)', options.pickPort ?? (() => getPort({ host: '127.0.0.1' })), (port) =>
    startOnPort(port, executable, confDir, options),
  );
}

async function startOnPort(
  port: number,
  executable: string,
  confDir: string,
  options: MitmproxyOptions,
): Promise<MitmproxyCapture> {
  const logPath = options.logPath ?? join(dirname(options.journalPath), 'proxy.log');
  const serve = Object.entries(options.serve ?? {})
    .map(([host, localPort]) => `${host}=127.0.0.1:${localPort}`)
    .join(',');
  const settings = [
    `listen_host=${options.listenHost ?? '127.0.0.1'}`,
    `listen_port=${port}`,
    `confdir=${confDir}`,
    'connection_strategy=lazy',
    // Warnings too: the addon warns when the stream falls behind.
    'termlog_verbosity=warn',
    `conformance_journal=${options.journalPath}`,
    'conformance_stream_fd=3',
    `conformance_mode=${options.mode ?? 'sinkhole'}`,
    `conformance_serve=${serve}`,
    `conformance_inline_limit=${options.inlineBodyLimit ?? 64 * 1024}`,
    `conformance_max_body=${options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES}`,
    `conformance_max_evidence=${options.maxEvidenceBytes ?? DEFAULT_MAX_EVIDENCE_BYTES}`,
    `conformance_stream_limit=${options.streamQueueLimit ?? 100_000}`,
    `conformance_fsync=${options.fsync ?? 'batch'}`,
  ];
  const engine = await engineCommand(executable, options);
  const args = [...engine.args, ...settings.flatMap((setting) => ['--set', setting])];
  const log = createWriteStream(logPath, { flags: 'a' });
  let child: ChildProcess;
  try {
    child = spawn(engine.command, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw missingMitmdump(executable, error);
  }
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  // 'exit' can come before the last of stderr is read; a failed start waits for all of it.
  const stderrRead = new Promise<void>((resolve) => (child.stderr ? child.stderr.once('close', resolve) : resolve()));

  const streamed: ProxyRecord[] = [];
  let lastRecordAt = Date.now();
  let reportReady: () => void = () => undefined;
  const addonReady = new Promise<void>((resolve) => (reportReady = resolve));
  const stream = child.stdio[3] as Readable;
  const lines = createInterface({ input: stream });
  let lineNumber = 0;
  lines.on('line', (line) => {
    lineNumber++;
    if (line.trim() === '') return;
    try {
      const record = parseRecordLine(line, `proxy stream line ${lineNumber}`);
      streamed.push(record);
      lastRecordAt = Date.now();
      if (record.type === 'ready') reportReady();
      options.onRecord?.(record);
    } catch {
      // A malformed stream line is caught again by the journal reconciliation at stop.
    }
  });
  const streamClosed = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  const detachStream = () => {
    lines.close();
    stream.destroy();
  };

  let stopping = false;
  let exitDescription: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(missingMitmdump(executable, error)));
  });
  spawnError.catch(() => undefined);
  const crashed = exited.then((): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    throw new ConformanceError(
      ErrorCodes.PROXY_CRASHED,
      `mitmdump stopped during the capture (${exitDescription}). Flows recorded up to then are kept in ${options.journalPath}.${stderrTail ? `\nmitmdump said: ${lastLines(stderrTail)}` : ''}`,
      { hint: `see ${logPath}; run "conformance doctor" to check the mitmproxy installation` },
    );
  });
  crashed.catch(() => undefined);

  const stop = async (): Promise<CaptureSummary> => {
    const crashedBefore = exitDescription !== undefined && !stopping;
    if (exitDescription === undefined) {
      // Let in-flight events land (a refused handshake is reported a moment after the client hangs up).
      await quiet(() => lastRecordAt, options.drainQuietMs ?? 300, 3_000);
    }
    stopping = true;
    if (exitDescription === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await streamClosed;
    log.end();
    const journal = await readJournal(options.journalPath);
    const streamedIds = new Set(streamed.map(recordKey));
    const missing = journal.records.map(recordKey).filter((key) => !streamedIds.has(key));
    return {
      ready: journal.records.some((record) => record.type === 'ready'),
      journaled: journal.records.length,
      streamed: streamed.length,
      missingFromStream: missing,
      journalTruncated: journal.truncated,
      ...(crashedBefore ? { proxyExit: exitDescription } : {}),
    };
  };

  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  try {
    // Started means both: the port accepts connections and the addon has opened its journal.
    await Promise.race([
      Promise.all([waitForPort(port, startTimeoutMs), within(addonReady, startTimeoutMs, () => notReady(startTimeoutMs))]),
      spawnError,
      crashed,
    ]);
  } catch (error) {
    if (exitDescription === undefined) child.kill('SIGKILL');
    log.end();
    // Its bind failed: mitmproxy said so, and the addon wrote no ready record (the caller tries another port).
    if (exitDescription !== undefined)
      await within(stderrRead, 2_000, () => new Error('stderr still open')).catch(() => undefined);
    if (exitDescription !== undefined && ADDRESS_IN_USE.test(stderrTail)) {
      throw portInUse('the proxy (mitmdump)', port, lastLines(stderrTail));
    }
    if (error instanceof ConformanceError && (error.code === ErrorCodes.PROXY_CRASHED || error.code === ErrorCodes.PROXY_START)) {
      const why = error.code === ErrorCodes.PROXY_CRASHED ? `it ${exitDescription}` : error.message;
      throw new ConformanceError(
        ErrorCodes.PROXY_START,
        `the proxy (${engine.engine} engine, ${engine.command}) did not start: ${why}${stderrTail ? `\nmitmproxy said: ${lastLines(stderrTail)}` : ''}`,
        { hint: `see ${logPath}; run "conformance doctor"`, cause: error },
      );
    }
    throw error;
  }
  return {
    port,
    ...(child.pid ? { pid: child.pid } : {}),
    url: `http://${options.advertiseHost ?? options.listenHost ?? '127.0.0.1'}:${port}`,
    confDir,
    streamed,
    crashed,
    stop,
    detachStream,
  };
}

/** mitmproxy's words (and the OS's) for a port another process holds. */
const ADDRESS_IN_USE = /address already in use|EADDRINUSE|Errno 98\]/i;

/** The command line (before the `--set` options) that runs the capture on the requested engine. */
export async function engineCommand(
  mitmdump: string,
  options: { engine?: ProxyEngine; python?: string } = {},
): Promise<{ engine: ProxyEngine; command: string; args: string[] }> {
  const requested = options.engine ?? parseEngine(process.env['CONFORMANCE_PROXY_ENGINE']);
  if (requested === 'lean') {
    const python = options.python ?? process.env['CONFORMANCE_MITMPROXY_PYTHON'];
    const interpreter = python ? [python] : await scriptInterpreter(mitmdump);
    if (interpreter) return { engine: 'lean', command: interpreter[0]!, args: [...interpreter.slice(1), ENGINE_PATH] };
  }
  // The same capture as engine.py's fallback (mitmdump_args there).
  return {
    engine: 'mitmdump',
    command: mitmdump,
    args: ['--scripts', ADDON_PATH, '--set', 'flow_detail=0', '--set', 'conformance_engine=mitmdump'],
  };
}

function parseEngine(value: string | undefined): ProxyEngine {
  if (value === undefined || value === '' || value === 'lean') return 'lean';
  if (value === 'mitmdump') return 'mitmdump';
  throw new ConformanceError(ErrorCodes.USAGE, `CONFORMANCE_PROXY_ENGINE must be lean or mitmdump, not "${value}"`, {
    hint: 'unset it to use the default (lean)',
  });
}

/**
 * The interpreter (and its arguments) named by the `#!` line of an executable script when it is a
 * Python, as Debian's and pip's `mitmdump` are; undefined for a binary or a missing file.
 */
export async function scriptInterpreter(executable: string): Promise<string[] | undefined> {
  const path = executable.includes('/') ? executable : await onPath(executable);
  if (!path) return undefined;
  let head: string;
  try {
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(256), 0, 256, 0);
      head = buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
  if (!head.startsWith('#!')) return undefined;
  const words = head.slice(2).split('\n', 1)[0]!.trim().split(/\s+/);
  return words.some((word) => /^python[\d.]*$/.test(basename(word))) ? words : undefined;
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What identifies a record in the stream/journal reconciliation: a flow's id, `<type>:<id>[:<seq>]` otherwise. */
export function recordKey(record: ProxyRecord): string {
  switch (record.type) {
    case 'ready':
      return `ready@${record.at}`;
    case 'flow':
    case 'tls-failed':
      return record.id;
    case 'ws-message':
      return `ws-message:${record.id}:${record.seq}`;
    default:
      return `${record.type}:${record.id}`;
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}

function missingMitmdump(executable: string, cause: unknown): ConformanceError {
  return new ConformanceError(
    ErrorCodes.TOOL_MISSING,
    `mitmdump could not be started (${executable}): ${String((cause as Error)?.message ?? cause)}`,
    {
      hint: 'install mitmproxy (apt-get install mitmproxy, or run "npm run setup"), or set CONFORMANCE_MITMDUMP to its path',
      cause,
    },
  );
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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
  throw new ConformanceError(ErrorCodes.PROXY_START, `mitmdump did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`, {
    hint: 'check that mitmproxy runs ("mitmdump --version") and that the machine is not overloaded',
  });
}

function notReady(timeoutMs: number): ConformanceError {
  return new ConformanceError(
    ErrorCodes.PROXY_START,
    `the recording addon did not report ready within ${timeoutMs} ms (no ready record on its stream)`,
    { hint: 'its options were refused or its journal could not be opened: see the proxy log' },
  );
}

/** `promise`, or a rejection with `error()` once `timeoutMs` have passed. */
async function within<T>(promise: Promise<T>, timeoutMs: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(error()), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `last()` is at least `quietMs` in the past, or after `maxMs`. */
async function quiet(last: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const wait = last() + quietMs - Date.now();
    if (wait <= 0 || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - Date.now())));
  }
}
