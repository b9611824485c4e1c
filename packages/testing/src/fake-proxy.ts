import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FlowRecord, ProxyRecord, RunningProxy } from '@conformance/core';

export interface FakeProxy extends RunningProxy {
  /** Journals a flow as the addon would (and streams it). */
  record(flow: FlowRecord): Promise<void>;
  /** Makes `crashed` reject, like mitmdump dying mid-capture. */
  crash(error: Error): void;
}

/** An in-process stand-in for the mitmproxy adapter that writes a real journal file. */
export async function createFakeProxy(journalPath: string): Promise<FakeProxy> {
  await mkdir(dirname(journalPath), { recursive: true });
  const streamed: ProxyRecord[] = [];
  const write = async (record: ProxyRecord) => {
    streamed.push(record);
    await appendFile(journalPath, `${JSON.stringify(record)}\n`);
  };
  await write({ type: 'ready', v: 1, at: Date.now() });
  let crash: (error: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    crash = reject;
  });
  crashed.catch(() => undefined);
  let crashedWith: string | undefined;
  return {
    port: 0,
    url: 'http://127.0.0.1:0',
    streamed,
    crashed,
    record: write,
    crash(error) {
      crashedWith = error.message;
      crash(error);
    },
    async stop() {
      return {
        ready: true,
        journaled: streamed.length,
        streamed: streamed.length,
        missingFromStream: [],
        journalTruncated: false,
        ...(crashedWith ? { proxyExit: crashedWith } : {}),
      };
    },
  };
}
