import { flowRef, isThirdParty, type EvidenceRef } from '@conformance/core';
import { allPlatforms, defineCheck } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings } from './personal-data.js';

/**
 * "Payloads are encrypted", for every SDK: no request to a third party (declared SDK or not)
 * carries personal data the analyzer can read, over TLS or not. Readable or merely encoded
 * personal data fails (TLS protects the wire, not the payload from the SDK's own servers or
 * a logging proxy); a payload the analyzer classifies as ciphertext passes; a flow in which
 * no personal data was found is not counted against the app.
 */
export const payloadPersonalDataEncrypted = defineCheck({
  id: 'payload.personal-data-encrypted',
  title: 'Personal data sent to third parties is encrypted in the payload',
  severity: 'high',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const thirdParty = scenarios.flatMap((scenario) =>
      scenario.flows.filter((flow) => isThirdParty(flow.destination) && flow.protection.subject !== 'none'),
    );
    const readable = personalDataFindings(thirdParty);
    if (readable.length > 0) {
      const classes = [...new Set(readable.map((item) => item.flow.protection.class))].join(', ');
      return {
        status: 'fail',
        summary: `${describeFindings(readable)} in a payload the analyzer could read (${classes})`,
        evidence: personalDataEvidence(readable),
      };
    }
    if (thirdParty.length === 0) {
      return { status: 'not-applicable', summary: 'no request with a payload to a third party was observed', evidence: [] };
    }
    const encrypted = thirdParty.filter((flow) => flow.protection.class === 'encrypted');
    // A sample of what passed, so a reviewer can look at ciphertext that was judged.
    const evidence: EvidenceRef[] = encrypted
      .slice(0, 10)
      .flatMap((flow) => [
        flowRef(flow),
        { kind: 'note', detail: `flow ${flow.flow.id}: encrypted — ${flow.protection.reasons.join('; ')}` },
      ]);
    return {
      status: 'pass',
      summary: `none of ${thirdParty.length} payload(s) to third parties carried readable personal data (${encrypted.length} look encrypted, the others carried no personal data the analyzer recognises)`,
      evidence,
    };
  },
});
