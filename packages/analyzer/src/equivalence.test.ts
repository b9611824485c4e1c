import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mixedCanaries, mixedCorpus } from '../test/mixed-corpus.js';
import { createFlowAnalyzer } from './flow.js';

/**
 * Equivalence guard for performance work: a seeded mixed corpus (every decoding layer, canary
 * transform, pattern detector and adapter) analysed flow by flow. The golden figures were
 * computed by the implementation before the performance changes (commit 5dab6af); the counts
 * and classes still are, the digest changed where decoding legitimately changed: protection
 * reports note a JSON body whose payload is one hex- or base64-encoded field (encoded, unless
 * personal data is readable beside it, as in the one such flow of the corpus); the
 * digest covers every finding and protection report in full, in order.
 */
describe('findings on a seeded mixed corpus are unchanged (golden)', () => {
  it('gives the golden counts by category and detector, protection classes and digest', () => {
    const analyze = createFlowAnalyzer({ canaries: mixedCanaries });
    const byDetector: Record<string, number> = {};
    const byProtection: Record<string, number> = {};
    const hash = createHash('sha256');
    let findings = 0;
    for (const { flow, context } of mixedCorpus(1600)) {
      const result = analyze(flow, context);
      for (const finding of result.findings) {
        const key = `${finding.category} ${finding.detector}`;
        byDetector[key] = (byDetector[key] ?? 0) + 1;
      }
      findings += result.findings.length;
      byProtection[result.protection.class] = (byProtection[result.protection.class] ?? 0) + 1;
      // `role` came after the golden figures; it derives from the category and the key alone.
      hash.update(JSON.stringify({ ...result, findings: result.findings.map(({ role: _role, ...rest }) => rest) }));
      hash.update('\n');
    }
    const sorted = Object.fromEntries(Object.entries(byDetector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    expect({ findings, byDetector: sorted, byProtection, digest: hash.digest('hex') }).toMatchSnapshot();
  });
});
