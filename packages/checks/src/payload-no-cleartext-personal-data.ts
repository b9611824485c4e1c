import { allPlatforms, defineCheck } from './define.js';
import { describeFindings, personalDataEvidence, personalDataFindings } from './personal-data.js';

/**
 * Personal data never travels readable on the wire: a request over plain `http://` that
 * carries personal data fails, whoever receives it (first party included) and however it
 * is encoded (base64, hex or URL-encoding is not protection).
 */
export const payloadNoCleartextPersonalData = defineCheck({
  id: 'payload.no-cleartext-personal-data',
  title: 'No personal data is sent over cleartext HTTP',
  severity: 'critical',
  platforms: allPlatforms,
  scenarios: ['idle', 'accept'],
  evaluate({ scenarios }) {
    const flows = scenarios.flatMap((scenario) => scenario.flows);
    const withData = personalDataFindings(flows);
    const cleartext = withData.filter((item) => item.flow.flow.scheme === 'http');
    if (cleartext.length > 0) {
      return {
        status: 'fail',
        summary: `over http://, ${describeFindings(cleartext)}`,
        evidence: personalDataEvidence(cleartext),
      };
    }
    return {
      status: 'pass',
      summary:
        withData.length === 0
          ? `none of ${flows.length} request(s) carried personal data the analyzer recognises`
          : `all ${withData.length} request(s) carrying personal data used TLS`,
      evidence: [],
    };
  },
});
