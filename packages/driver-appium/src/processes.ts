import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Process ids whose command line contains `marker` (Linux /proc; elsewhere none are found). */
export async function processesMatching(marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (args.includes(marker)) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Sends SIGKILL to every process whose command line contains `marker`; returns how many. */
export async function killProcessesMatching(marker: string): Promise<number> {
  const pids = await processesMatching(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/**
 * The same as killProcessesMatching, synchronously: for an `exit` handler, where nothing
 * asynchronous runs any more.
 */
export function killProcessesMatchingSync(marker: string): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  let killed = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker)) {
        process.kill(Number(entry), 'SIGKILL');
        killed++;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return killed;
}
