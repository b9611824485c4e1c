import { flowRef, type AnalyzedFlow, type DataCategory, type EvidenceRef, type Finding } from '@conformance/core';

export interface PersonalDataQuery {
  /** Only these categories (default: every category). */
  categories?: readonly DataCategory[];
  /** Only flows whose destination passes (default: every destination except platform noise). */
  destination?: (flow: AnalyzedFlow) => boolean;
}

/** A flow and the personal data found in it. */
export interface FlowWithFindings {
  flow: AnalyzedFlow;
  findings: Finding[];
}

/**
 * The personal-data findings of the given flows, grouped by flow, in the flows' order.
 * Platform background traffic is left out unless `destination` says otherwise. For checks
 * of any scenario (refusal, withdrawal, …): pick the flows by phase, then call this.
 */
export function personalDataFindings(flows: readonly AnalyzedFlow[], query: PersonalDataQuery = {}): FlowWithFindings[] {
  const wanted = query.categories ? new Set<string>(query.categories) : undefined;
  const destination = query.destination ?? ((flow: AnalyzedFlow) => flow.destination.kind !== 'platform');
  const out: FlowWithFindings[] = [];
  for (const flow of flows) {
    if (!destination(flow)) continue;
    const findings = flow.findings.filter((finding) => !wanted || wanted.has(finding.category));
    if (findings.length > 0) out.push({ flow, findings });
  }
  return out;
}

/** Evidence for flows with findings: the flow, then one note per finding saying what was where. */
export function personalDataEvidence(items: readonly FlowWithFindings[]): EvidenceRef[] {
  return items.flatMap(({ flow, findings }) => [
    flowRef(flow),
    ...findings.map((finding): EvidenceRef => ({
      kind: 'note',
      detail: `flow ${finding.flowId}: ${finding.category} at ${finding.path} (${finding.detector}${
        finding.transforms.length ? `, via ${finding.transforms.join(' → ')}` : ''
      }; value ${finding.value}; payload ${finding.protection})`,
    })),
  ]);
}

/** "3 flow(s) to a.example, b.example carried contact.phone, device-id.hardware" */
export function describeFindings(items: readonly FlowWithFindings[]): string {
  const hosts = [...new Set(items.map((item) => item.flow.flow.host))];
  const categories = [...new Set(items.flatMap((item) => item.findings.map((finding) => finding.category)))].sort();
  return `${items.length} flow(s) to ${hosts.join(', ')} carried ${categories.join(', ')}`;
}
