import platformHosts from './data/platform-hosts.json' with { type: 'json' };
import { hostMatches } from './hosts.js';
import type { Platform } from './platform-names.js';

export { platforms, type Platform } from './platform-names.js';

/** Hosts the given platform contacts on its own (its background services). */
export function platformNoiseHosts(platform: Platform): readonly string[] {
  return platformHosts[platform];
}

export function isPlatformHost(host: string, platform: Platform): boolean {
  return platformNoiseHosts(platform).some((entry) => hostMatches(host, entry));
}
