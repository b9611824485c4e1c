import type { DeviceSession, PolicyOutcome } from '@conformance/core';

/** The Measures' limit: the privacy policy must be reachable within 4 taps of the main UI. */
export const POLICY_MAX_DEPTH = 4;
/** Exploration replays at most this many tap paths, so a large UI cannot stall a run. */
export const POLICY_MAX_REPLAYS = 60;

export interface ExploreOptions {
  url: string;
  maxDepth: number;
  maxReplays?: number;
  /** Brings the app back to its main UI (relaunch; the consent choice is remembered). */
  reset(): Promise<void>;
  tap(selector: string): Promise<void>;
}

/**
 * Breadth-first search from the main UI over visible links, buttons and menu items,
 * replaying each path from a fresh start, until a screen reads like a privacy policy.
 * The first path found is a shortest one.
 */
export async function explorePolicy(session: DeviceSession, options: ExploreOptions): Promise<PolicyOutcome> {
  const maxReplays = options.maxReplays ?? POLICY_MAX_REPLAYS;
  let replays = 0;
  if (await session.showsPrivacyPolicy()) return { reached: true, taps: 0, path: [], method: 'exploration', explored: 0 };
  let frontier: string[][] = [[]];
  for (let depth = 1; depth <= options.maxDepth; depth++) {
    const next: string[][] = [];
    for (const prefix of frontier) {
      const candidates = await clickablesAfter(session, options, prefix);
      replays++;
      for (const candidate of candidates) {
        if (prefix.includes(candidate)) continue;
        const path = [...prefix, candidate];
        if (replays >= maxReplays) return { reached: false, taps: null, path: [], method: 'exploration', explored: replays };
        replays++;
        if (await replay(session, options, path))
          return { reached: true, taps: path.length, path, method: 'exploration', explored: replays };
        next.push(path);
      }
    }
    frontier = next;
  }
  return { reached: false, taps: null, path: [], method: 'exploration', explored: replays };
}

async function clickablesAfter(session: DeviceSession, options: ExploreOptions, prefix: string[]): Promise<string[]> {
  if (!(await replay(session, options, prefix, false))) return [];
  return [...new Set((await session.clickables()).map((clickable) => clickable.selector))];
}

async function replay(session: DeviceSession, options: ExploreOptions, path: string[], check = true): Promise<boolean> {
  await options.reset();
  for (const selector of path) {
    if (!(await session.waitForDisplayed(selector, 2_000))) return false;
    try {
      await options.tap(selector);
    } catch {
      return false;
    }
  }
  return check ? session.showsPrivacyPolicy() : true;
}
