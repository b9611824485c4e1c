import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KnownTracker } from '@conformance/core';

/** Looks a host up in a tracker database; undefined when the host is not a known tracker. */
export type TrackerLookup = (host: string) => KnownTracker | undefined;

interface TrackerDbJson {
  organizations: Record<string, { name: string }>;
  patterns: Record<string, { name: string; category: string; organization: string | null }>;
  domains: Record<string, string>;
}

let ghostery: TrackerLookup | undefined;

/**
 * The Ghostery Tracker Database (npm `@ghostery/trackerdb`), whose package ships its data
 * as `dist/trackerdb.json`: registrable domains → pattern → organisation. Loaded once, on
 * first use, from the installed package (no network). Matching is by domain suffix, so
 * `a.b.umeng.com` matches `umeng.com`.
 */
export function ghosteryTrackers(): TrackerLookup {
  if (ghostery) return ghostery;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@ghostery/trackerdb');
  const root = join(dirname(entry), '..', '..');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const db = JSON.parse(readFileSync(join(root, 'dist', 'trackerdb.json'), 'utf8')) as TrackerDbJson;
  const byDomain = new Map<string, KnownTracker>();
  for (const [domain, patternKey] of Object.entries(db.domains)) {
    const pattern = db.patterns[patternKey];
    if (!pattern) continue;
    const organization = pattern.organization
      ? (db.organizations[pattern.organization]?.name ?? pattern.organization)
      : pattern.name;
    byDomain.set(domain.toLowerCase(), {
      name: pattern.name,
      organization,
      category: pattern.category,
      source: `@ghostery/trackerdb@${version}`,
    });
  }
  ghostery = trackerLookupFrom(byDomain);
  return ghostery;
}

/** A lookup over a domain → tracker table, matching the host and each parent domain. */
export function trackerLookupFrom(table: ReadonlyMap<string, KnownTracker>): TrackerLookup {
  const cache = new Map<string, KnownTracker | undefined>();
  return (host) => {
    const key = host.toLowerCase();
    if (cache.has(key)) return cache.get(key);
    let found: KnownTracker | undefined;
    let domain = key;
    for (;;) {
      found = table.get(domain);
      if (found) break;
      const dot = domain.indexOf('.');
      if (dot < 0) break;
      domain = domain.slice(dot + 1);
    }
    if (cache.size < 50_000) cache.set(key, found);
    return found;
  };
}

/** No tracker database: every unknown host stays a plain third party. */
export const noTrackers: TrackerLookup = () => undefined;
