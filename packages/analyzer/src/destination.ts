import { hostMatches, isPlatformHost, type AppManifest, type Destination } from '@conformance/core';

/**
 * Who a host belongs to, from the manifest (first party, declared SDKs) and the
 * platform's own background services. First party wins over an SDK declaration.
 */
export function classifyDestination(host: string, manifest: AppManifest): Destination {
  if (manifest.firstParty.some((entry) => hostMatches(host, entry))) return { kind: 'first-party' };
  if (isPlatformHost(host, manifest.platform)) return { kind: 'platform' };
  const sdk = manifest.sdks.find((candidate) => candidate.hosts.some((entry) => hostMatches(host, entry)));
  if (sdk) return { kind: 'declared-sdk', sdk: sdk.name, necessary: sdk.necessary };
  return { kind: 'third-party' };
}
