import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable every process a run starts inherits, whatever re-parents it later. */
export const RUN_TAG_VARIABLE = 'CONFORMANCE_RUN_TAG';

export interface TaggedProcess {
  pid: number;
  /** The command name (`/proc/<pid>/comm`). */
  comm: string;
}

/**
 * The live processes, other than this one, whose environment holds `CONFORMANCE_RUN_TAG=<tag>`.
 * Reads `/proc`; where there is none (not Linux) it finds nothing.
 */
export function findTagged(tag: string, proc = '/proc'): TaggedProcess[] {
  return findByEnvironment(RUN_TAG_VARIABLE, tag, proc);
}

/** The live processes, other than this one, whose environment holds `<name>=<value>`. */
export function findByEnvironment(name: string, value: string, proc = '/proc'): TaggedProcess[] {
  const wanted = Buffer.from(`${name}=${value}\0`);
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  const found: TaggedProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`${proc}/${entry}/environ`);
      if (!environ.includes(wanted)) continue;
      const stat = readFileSync(`${proc}/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, waiting for its parent
      found.push({ pid: Number(entry), comm: readFileSync(`${proc}/${entry}/comm`, 'utf8').trim() });
    } catch {
      // gone meanwhile, or another user's
    }
  }
  return found;
}

export interface ReapOptions {
  /** How long processes that are already stopping get to exit on their own. Default 3 s. */
  graceMs?: number;
  /** Between two looks. Default 100 ms. */
  pollMs?: number;
  find?: (tag: string) => TaggedProcess[];
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Makes sure nothing a run started outlives it. A process the run started keeps the run's tag in
 * its environment even when it was detached and re-parented to init (Chromium's crash handler
 * is), so it is found by the tag rather than by the process tree. Processes still stopping get
 * `graceMs` to exit; the ones left are killed (SIGKILL) and returned, so the caller can say so.
 */
export async function reapTagged(tag: string, options: ReapOptions = {}): Promise<TaggedProcess[]> {
  const find = options.find ?? ((value: string) => findTagged(value));
  const kill = options.kill ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const graceMs = options.graceMs ?? 3000;
  const pollMs = options.pollMs ?? 100;
  let left = find(tag);
  for (let waited = 0; left.length > 0 && waited < graceMs; waited += pollMs) {
    await sleep(pollMs);
    left = find(tag);
  }
  for (const proc of left) {
    try {
      kill(proc.pid, 'SIGKILL');
    } catch {
      // it exited meanwhile
    }
  }
  return left;
}
