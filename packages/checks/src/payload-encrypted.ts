import { flowRef, type EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';

/**
 * An SDK whose manifest entry says `encryption: required` sends message-level encrypted
 * payloads: every non-empty payload to its hosts is classified `encrypted`. Readable or
 * merely encoded payloads fail; payloads the analyzer can tell neither way are inconclusive.
 */
export const payloadEncrypted = defineCheck({
  id: 'payload.encrypted',
  title: 'SDKs that promise message-level encryption send encrypted payloads',
  severity: 'high',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ analysis, scenarios }) {
    const promised = new Set(analysis.manifest.sdks.filter((sdk) => sdk.encryption === 'required').map((sdk) => sdk.name));
    if (promised.size === 0) {
      return { status: 'not-applicable', summary: 'no declared SDK has encryption: required', evidence: [] };
    }
    const flows = scenarios.flatMap((scenario) =>
      scenario.flows.filter(
        (flow) =>
          flow.destination.kind === 'declared-sdk' &&
          promised.has(flow.destination.sdk ?? '') &&
          flow.protection.subject !== 'none',
      ),
    );
    const note = (flow: (typeof flows)[number]): EvidenceRef => ({
      kind: 'note',
      detail: `flow ${flow.flow.id}: ${flow.protection.class} — ${flow.protection.reasons.join('; ')}`,
    });
    const readable = flows.filter((flow) => flow.protection.class === 'cleartext' || flow.protection.class === 'encoded');
    if (readable.length > 0) {
      return {
        status: 'fail',
        summary: `${readable.length} of ${flows.length} payload(s) to ${[...promised].join(', ')} were readable (${[...new Set(readable.map((f) => f.protection.class))].join(', ')})`,
        evidence: readable.flatMap((flow) => [flowRef(flow), note(flow)]),
      };
    }
    if (flows.length === 0) {
      return { status: 'not-applicable', summary: `no payload to ${[...promised].join(', ')} was observed`, evidence: [] };
    }
    const undecided = flows.filter((flow) => flow.protection.class !== 'encrypted');
    if (undecided.length > 0) {
      return {
        status: 'inconclusive',
        summary: `${undecided.length} of ${flows.length} payload(s) were neither readable nor ciphertext-like (${[...new Set(undecided.map((f) => f.protection.class))].join(', ')})`,
        evidence: undecided.flatMap((flow) => [flowRef(flow), note(flow)]),
      };
    }
    return {
      status: 'pass',
      summary: `all ${flows.length} payload(s) to ${[...promised].join(', ')} look encrypted`,
      evidence: [],
    };
  },
});
