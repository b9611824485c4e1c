import { flowRef, isThirdParty, type AnalyzedFlow, type EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { scenario, screenshotRef } from './helpers.js';

/** One party the privacy policy must name, and the names that count as naming it. */
interface Party {
  label: string;
  names: string[];
  /** A flow that shows the party was contacted (observed trackers). */
  flow?: AnalyzedFlow;
}

const normalise = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');

/**
 * The privacy policy names every SDK (the "SDK list" duty): every SDK the manifest declares,
 * by its name, and every known tracker the run observed, by product or company name. Read
 * from the text of the policy page the `policy` scenario reached; inconclusive when it was
 * not reached or its text was not recorded.
 */
export const sdkDisclosedInPolicy = defineCheck({
  id: 'sdk.disclosed-in-policy',
  title: 'The privacy policy names every SDK',
  severity: 'medium',
  platforms: allPlatforms,
  scenarios: ['policy'],
  evaluate({ analysis, scenarios }) {
    const run = scenario(scenarios, 'policy');
    const policy = run?.evidence.policy;
    if (!run || !policy) return { status: 'inconclusive', summary: 'the policy scenario recorded no outcome', evidence: [] };
    if (!policy.reached) return { status: 'inconclusive', summary: 'the privacy policy was not reached', evidence: [] };
    if (!policy.text?.trim()) {
      return { status: 'inconclusive', summary: "the privacy policy's text was not recorded", evidence: [] };
    }
    const parties = new Map<string, Party>();
    for (const sdk of analysis.manifest.sdks) {
      parties.set(normalise(sdk.name), { label: `declared SDK ${sdk.name}`, names: [sdk.name] });
    }
    // Every scenario counts: a tracker contacted after a refusal is still one the policy must name.
    const flows = analysis.scenarios.flatMap((s) => s.flows).filter((flow) => isThirdParty(flow.destination));
    for (const flow of flows) {
      const tracker = flow.destination.tracker;
      if (!tracker) continue;
      const declared = flow.destination.sdk ? parties.get(normalise(flow.destination.sdk)) : undefined;
      if (declared) {
        // Naming the SDK's company is enough for a declared SDK too.
        for (const name of [tracker.name, tracker.organization]) if (!declared.names.includes(name)) declared.names.push(name);
        continue;
      }
      const key = `tracker:${normalise(tracker.organization)}|${normalise(tracker.name)}`;
      if (!parties.has(key)) {
        parties.set(key, {
          label: `observed tracker ${tracker.name} (${tracker.organization}, ${tracker.source})`,
          names: [tracker.name, tracker.organization],
          flow,
        });
      }
    }
    const text = normalise(policy.text);
    const where: EvidenceRef[] = [
      ...screenshotRef(run, 'privacy-policy.png'),
      ...(policy.url ? [{ kind: 'note' as const, detail: `policy page: ${policy.url}` }] : []),
    ];
    if (parties.size === 0) {
      return { status: 'not-applicable', summary: 'the app declares no SDK and no known tracker was observed', evidence: where };
    }
    const missing = [...parties.values()].filter((party) => !party.names.some((name) => text.includes(normalise(name))));
    if (missing.length > 0) {
      return {
        status: 'fail',
        summary: `the privacy policy does not name ${missing.map((party) => party.label).join(', ')}`,
        evidence: [
          ...where,
          ...missing.flatMap((party): EvidenceRef[] => [
            {
              kind: 'note',
              detail: `not named: ${party.label}; looked for ${party.names.map((n) => JSON.stringify(n)).join(' or ')}`,
            },
            ...(party.flow ? [flowRef(party.flow)] : []),
          ]),
        ],
      };
    }
    return {
      status: 'pass',
      summary: `the privacy policy names all ${parties.size} SDK(s) and tracker(s): ${[...parties.values()].map((p) => p.names[0]).join(', ')}`,
      evidence: where,
    };
  },
});
