import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canaries, context, corpus } from '../bench/corpus.mjs';
import { createFlowAnalyzer } from './flow.js';

/**
 * What the analyzer makes of the benchmark's corpus (bench/corpus.mjs), pinned: the benchmark
 * times this code path, so a change made for speed must leave every finding and protection
 * report of it as it was. The first 3,000 flows of the seeded sequence (all five body kinds, 300
 * with personal data), with the benchmark's canaries and context; the digest covers every
 * result in full, in order.
 */
describe('the benchmark corpus', () => {
  it('gives the pinned findings, protection classes and digest', () => {
    const analyze = createFlowAnalyzer({ canaries, trackhar: true });
    const byDetector: Record<string, number> = {};
    const byProtection: Record<string, number> = {};
    const hash = createHash('sha256');
    let flows = 0;
    for (const batch of corpus(3000)) {
      for (const flow of batch) {
        const result = analyze(flow, context);
        flows++;
        for (const finding of result.findings) {
          const key = `${finding.category} ${finding.detector}`;
          byDetector[key] = (byDetector[key] ?? 0) + 1;
        }
        byProtection[result.protection.class] = (byProtection[result.protection.class] ?? 0) + 1;
        hash.update(JSON.stringify(result));
        hash.update('\n');
      }
    }
    const sorted = Object.fromEntries(Object.entries(byDetector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    expect({ flows, byDetector: sorted, byProtection, digest: hash.digest('hex') }).toMatchInlineSnapshot(`
      {
        "byDetector": {
          "contact.email pattern:email": 149,
          "contact.phone canary:phone": 149,
          "device-id.hardware canary:imei": 120,
          "device-id.hardware pattern:mac": 120,
        },
        "byProtection": {
          "cleartext": 1800,
          "encoded": 600,
          "encrypted": 600,
        },
        "digest": "d6492967a60375702e3398ad3cd9c21b3ff59e554ceb188febb1ed524136028d",
        "flows": 3000,
      }
    `);
  });
});
