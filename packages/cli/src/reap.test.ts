import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findTagged, reapTagged, RUN_TAG_VARIABLE } from './reap.js';

const started: ChildProcess[] = [];
/** A `sleep` detached from this process (as a re-parented helper would be), with or without the tag. */
function sleeper(seconds: number, tag?: string): ChildProcess {
  const env = { ...process.env };
  delete env[RUN_TAG_VARIABLE];
  if (tag) env[RUN_TAG_VARIABLE] = tag;
  const child = spawn('sleep', [String(seconds)], { env, detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
const tagOf = (name: string) => `${process.pid}-${name}-${Date.now()}`;

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

describe('findTagged', () => {
  it('finds a detached process by the tag in its environment, and not a process without it', async () => {
    const tag = tagOf('find');
    const tagged = sleeper(30, tag);
    const other = sleeper(30, tagOf('other'));
    const untagged = sleeper(30);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const found = findTagged(tag);
    expect(found).toEqual([{ pid: tagged.pid, comm: 'sleep' }]);
    expect(found.map((proc) => proc.pid)).not.toContain(other.pid);
    expect(found.map((proc) => proc.pid)).not.toContain(untagged.pid);
  });

  it('finds nothing where there is no /proc', () => {
    expect(findTagged('any', '/nonexistent-proc')).toEqual([]);
  });
});

describe('reapTagged', () => {
  it('kills what is still running after the grace time and returns it', async () => {
    const tag = tagOf('reap');
    const tagged = sleeper(30, tag);
    const untagged = sleeper(30);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const left = await reapTagged(tag, { graceMs: 300, pollMs: 50 });
    expect(left).toEqual([{ pid: tagged.pid, comm: 'sleep' }]);
    await exited(tagged);
    expect(tagged.signalCode).toBe('SIGKILL');
    expect(untagged.exitCode).toBeNull();
    expect(untagged.signalCode).toBeNull();
  });

  it('lets a process that is stopping exit on its own within the grace time', async () => {
    const tag = tagOf('grace');
    const quick = sleeper(0.3, tag);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(findTagged(tag)).toHaveLength(1);
    expect(await reapTagged(tag, { graceMs: 3000, pollMs: 50 })).toEqual([]);
    await exited(quick);
    expect(quick.exitCode).toBe(0);
  });

  it('with nothing tagged, returns at once without waiting', async () => {
    const waits: number[] = [];
    const left = await reapTagged('nothing', {
      find: () => [],
      sleep: async (ms) => void waits.push(ms),
    });
    expect(left).toEqual([]);
    expect(waits).toEqual([]);
  });
});
