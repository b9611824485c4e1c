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
