import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { adapters as trackharAdapters } from 'trackhar';
import { ConformanceError, ErrorCodes, type KnownTracker } from '@conformance/core';
import sdkData from './data/sdk-adapters.json' with { type: 'json' };

/** Looks a host up in a tracker database; undefined when the host is not a known tracker. */
export type TrackerLookup = (host: string) => KnownTracker | undefined;

/**
 * The tracker databases `analyzeBundle` can name hosts from, with their licences:
 * - `default`: permissively licensed data only: trackhar's adapters (npm `trackhar`, CC0-1.0)
 *   and the SDK adapters of this package (`data/sdk-adapters.json`, Apache-2.0);
 * - `ghostery`: the Ghostery Tracker Database (npm `@ghostery/trackerdb`), whose data is
 *   CC-BY-NC-SA-4.0 (non-commercial, share-alike): opt-in, for users whose use that licence allows.
 * Only the naming of a host (`destination.tracker`) depends on the choice: the destination kind,
 * findings and protection come from the manifest and the payloads.
 */
export const trackerDatabases = {
  default: {
    licence: 'CC0-1.0 (trackhar) and Apache-2.0 (this package)',
    description: "trackhar's adapter hosts and the analyzer's SDK adapters",
  },
  ghostery: {
    licence: 'CC-BY-NC-SA-4.0',
    description: 'the Ghostery Tracker Database (@ghostery/trackerdb), non-commercial use only',
  },
} as const;
export type TrackerDatabase = keyof typeof trackerDatabases;
export const trackerDatabaseNames = Object.keys(trackerDatabases) as TrackerDatabase[];

/** The lookup of a named tracker database. */
export function trackerLookup(name: TrackerDatabase): TrackerLookup {
  return name === 'ghostery' ? ghosteryTrackers() : permissiveTrackers();
}

interface TrackerDbJson {
  organizations: Record<string, { name: string }>;
  patterns: Record<string, { name: string; category: string; organization: string | null }>;
  domains: Record<string, string>;
}

let ghostery: TrackerLookup | undefined;
let permissive: TrackerLookup | undefined;

/**
 * The Ghostery Tracker Database (npm `@ghostery/trackerdb`, data CC-BY-NC-SA-4.0), whose package
 * ships its data as `dist/trackerdb.json`: registrable domains → pattern → organisation. Loaded
 * once, on first use, from the installed package (no network). Matching is by domain suffix, so
 * `a.b.umeng.com` matches `umeng.com`. Opt-in: see `trackerDatabases`; the package is an optional
 * peer dependency, and a `CONF_TOOL_MISSING` error says how to install it when it is missing.
 */
export function ghosteryTrackers(): TrackerLookup {
  if (ghostery) return ghostery;
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('@ghostery/trackerdb');
  } catch (cause) {
    throw new ConformanceError(ErrorCodes.TOOL_MISSING, 'the Ghostery Tracker Database (@ghostery/trackerdb) is not installed', {
      cause,
      hint: 'its data is CC-BY-NC-SA-4.0 (non-commercial); where that licence allows your use, install it with `npm install @ghostery/trackerdb`, otherwise use the default tracker lookup',
    });
  }
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

/**
 * The default lookup, from permissively licensed data only: the hosts of trackhar's adapters
 * (CC0-1.0; the company behind each, category `unclassified` as trackhar has none) and of this
 * package's SDK adapters (name, organisation and category as declared there). A host of the
 * manifest's declared SDKs is named by the manifest itself (`destination.sdk`).
 */
export function permissiveTrackers(): TrackerLookup {
  if (permissive) return permissive;
  const require = createRequire(import.meta.url);
  const trackharVersion = (JSON.parse(readFileSync(require.resolve('trackhar/package.json'), 'utf8')) as { version: string })
    .version;
  const table = new Map<string, KnownTracker>();
  for (const adapter of trackharAdapters) {
    for (const endpoint of adapter.endpointUrls as Array<string | RegExp>) {
      const host = typeof endpoint === 'string' ? hostOf(endpoint) : literalDomainOf(endpoint);
      if (!host || table.has(host)) continue;
      table.set(host, {
        name: adapter.tracker.name,
        organization: adapter.tracker.name,
        category: 'unclassified',
        source: `trackhar@${trackharVersion}`,
      });
    }
  }
  for (const adapter of sdkData.adapters as Array<{ name: string; organization: string; category?: string; hosts: string[] }>) {
    for (const host of adapter.hosts) {
      table.set(host.toLowerCase(), {
        name: adapter.name,
        organization: adapter.organization,
        category: adapter.category ?? 'unclassified',
        source: '@conformance/analyzer sdk-adapters',
      });
    }
  }
  permissive = trackerLookupFrom(table);
  return permissive;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The literal domain at the end of an endpoint pattern's host (`^https:\/\/[a-z]+\.example\.com\/`
 * → `example.com`), when at least two labels at its end are literal; undefined otherwise.
 */
function literalDomainOf(pattern: RegExp): string | undefined {
  const host = /^\^?https\??:?\\\/\\\/(.*?)(?:\\\/|\$|$)/.exec(pattern.source)?.[1];
  if (!host) return undefined;
  const labels = host.split('\\.');
  const literal: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    if (!/^[a-z0-9-]+$/i.test(labels[i]!)) break;
    literal.unshift(labels[i]!.toLowerCase());
  }
  return literal.length >= 2 ? literal.join('.') : undefined;
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
