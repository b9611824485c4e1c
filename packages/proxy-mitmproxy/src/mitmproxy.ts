import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import {
  ConformanceError,
  ErrorCodes,
  parseRecordLine,
  type CaptureSummary,
  type ProxyRecord,
  type RunningProxy,
} from '@conformance/core';
import { ensureCa } from './ca.js';
import { defaultConfDir } from './home.js';
import { readJournal } from './journal.js';

export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'addon', 'conformance_addon.py');

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
  onRecord?: (record: ProxyRecord) => void;
  startTimeoutMs?: number;
  /** At stop, wait until no record has arrived for this long (at most 3 s) before ending mitmdump. Default 300 ms. */
  drainQuietMs?: number;
  /** Bodies larger than this many bytes are stored in `bodies/<sha256>` beside the journal. Default 65536. */
  inlineBodyLimit?: number;
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

/** Starts mitmdump with the recording addon on a free loopback port and waits until it accepts connections. */
export async function startMitmproxy(options: MitmproxyOptions): Promise<MitmproxyCapture> {
  const executable = options.mitmdump ?? process.env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump';
  const confDir = options.confDir ?? defaultConfDir();
  const logPath = options.logPath ?? join(dirname(options.journalPath), 'proxy.log');
  await mkdir(dirname(options.journalPath), { recursive: true });
  await ensureCa(confDir, { mitmdump: executable });
  const port = await getPort({ host: '127.0.0.1' });
  const serve = Object.entries(options.serve ?? {})
    .map(([host, localPort]) => `${host}=127.0.0.1:${localPort}`)
    .join(',');
  const args = [
    '--quiet',
    '--listen-host',
    options.listenHost ?? '127.0.0.1',
    '--listen-port',
    String(port),
    '--scripts',
    ADDON_PATH,
    '--set',
    `confdir=${confDir}`,
    '--set',
    'connection_strategy=lazy',
    '--set',
    `conformance_journal=${options.journalPath}`,
    '--set',
    'conformance_stream_fd=3',
    '--set',
    `conformance_mode=${options.mode ?? 'sinkhole'}`,
    '--set',
    `conformance_serve=${serve}`,
    '--set',
    `conformance_inline_limit=${options.inlineBodyLimit ?? 64 * 1024}`,
    '--set',
    `conformance_stream_limit=${options.streamQueueLimit ?? 100_000}`,
    '--set',
    `conformance_fsync=${options.fsync ?? 'batch'}`,
  ];
  const log = createWriteStream(logPath, { flags: 'a' });
  let child: ChildProcess;
  try {
    child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw missingMitmdump(executable, error);
  }
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });

  const streamed: ProxyRecord[] = [];
  let lastRecordAt = Date.now();
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

  try {
    await Promise.race([waitForPort(port, options.startTimeoutMs ?? 20_000), spawnError, crashed]);
  } catch (error) {
    if (exitDescription === undefined) child.kill('SIGKILL');
    log.end();
    if (error instanceof ConformanceError && error.code === ErrorCodes.PROXY_CRASHED) {
      throw new ConformanceError(
        ErrorCodes.PROXY_START,
        `mitmdump did not start (${exitDescription}): ${lastLines(stderrTail)}`,
        {
          hint: `see ${logPath}; run "conformance doctor"`,
          cause: error,
        },
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

/** Resolves once `last()` is at least `quietMs` in the past, or after `maxMs`. */
async function quiet(last: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const wait = last() + quietMs - Date.now();
    if (wait <= 0 || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - Date.now())));
  }
}
