import { hostMatches, isPlatformHost, type AppManifest, type Destination } from '@conformance/core';
import { permissiveTrackers, type TrackerLookup } from './trackers.js';

/**
 * Who a host belongs to, from the manifest (first party, declared SDKs), the platform's
 * own background services and a tracker database (the organisation behind a third-party
 * host; by default the permissively licensed one, see `trackerDatabases`). First party wins over an SDK declaration; a known tracker stays `third-party`
 * (or `declared-sdk` when the manifest declares it) with `tracker` naming who runs it.
 */
export function classifyDestination(
  host: string,
  manifest: AppManifest,
  trackers: TrackerLookup = permissiveTrackers(),
  baselineHosts: readonly string[] = [],
): Destination {
  if (manifest.firstParty.some((entry) => hostMatches(host, entry))) return { kind: 'first-party' };
  if (isPlatformHost(host, manifest.platform) || baselineHosts.includes(host.toLowerCase())) return { kind: 'platform' };
  const tracker = trackers(host);
  const sdk = manifest.sdks.find((candidate) => candidate.hosts.some((entry) => hostMatches(host, entry)));
  if (sdk) return { kind: 'declared-sdk', sdk: sdk.name, necessary: sdk.necessary, ...(tracker ? { tracker } : {}) };
  return tracker ? { kind: 'third-party', tracker } : { kind: 'third-party' };
}
