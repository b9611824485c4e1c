import { flowRef, hostMatches, type EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { hosts } from './helpers.js';

/**
 * Every third party the app talks to, and every script that starts its requests, belongs to
 * an SDK the manifest declares (its "SDK list"), or to the first party.
 */
export const sdkAllDisclosed = defineCheck({
  id: 'sdk.all-disclosed',
  title: 'Every third-party destination and initiating script is a declared SDK',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios, analysis }) {
    const { manifest } = analysis;
    const flows = scenarios.flatMap((s) => s.flows);
    const undeclared = flows.filter((flow) => flow.destination.kind === 'third-party');
    const known = (host: string) =>
      manifest.firstParty.some((entry) => hostMatches(host, entry)) ||
      manifest.sdks.some((sdk) => sdk.hosts.some((entry) => hostMatches(host, entry)));
    const scripts = new Set<string>();
    for (const s of scenarios) {
      for (const initiator of s.evidence.initiators ?? []) {
        if (!initiator.script) continue;
        try {
          if (!known(new URL(initiator.script).hostname)) scripts.add(initiator.script);
        } catch {
          // not a URL (e.g. an inline script): nothing to attribute
        }
      }
    }
    if (undeclared.length > 0 || scripts.size > 0) {
      const parts = [
        undeclared.length ? `${undeclared.length} request(s) to undeclared hosts: ${hosts(undeclared)}` : '',
        scripts.size ? `scripts from undeclared hosts: ${[...scripts].join(', ')}` : '',
      ].filter(Boolean);
      const evidence: EvidenceRef[] = [
        ...undeclared.map(flowRef),
        ...[...scripts].map((script) => ({ kind: 'note' as const, detail: `undeclared script ${script}` })),
      ];
      return { status: 'fail', summary: parts.join('; '), evidence };
    }
    const thirdParty = new Set(flows.filter((f) => f.destination.kind === 'declared-sdk').map((f) => f.destination.sdk));
    return {
      status: 'pass',
      summary: `every third party contacted is a declared SDK (${[...thirdParty].join(', ') || 'none contacted'})`,
      evidence: [],
    };
  },
});
