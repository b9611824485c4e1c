import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Canary, FlowRecord } from '@conformance/core';
import { makeFlow } from '@conformance/testing';
import { createFlowAnalyzer, type FlowContext } from './flow.js';

const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const email = 'ann.lee@example.com';
const canaries: Canary[] = [{ category: 'contact.email', kind: 'email', value: email }];

function post(body: string): FlowRecord {
  const bytes = Buffer.from(body);
  return makeFlow('https://collect.hostile.test/deep', 10, {
    method: 'POST',
    headers: [['content-type', 'application/json']],
    body: { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), encoding: 'utf8', data: body },
  });
}

describe('payloads built to trip the analyzer', () => {
  it.each([
    ['arrays nested 100,000 deep', `${'['.repeat(100_000)}"${email}"${']'.repeat(100_000)}`],
    ['objects nested 50,000 deep', `${'{"a":'.repeat(50_000)}"${email}"${'}'.repeat(50_000)}`],
  ])('analyses %s without overflowing the stack, and still finds what sits at a real depth', (_name, deep) => {
    const analyze = createFlowAnalyzer({ canaries });
    expect(() => analyze(post(deep), context)).not.toThrow();
    // The same value at an ordinary depth next to the deep part is found (positive control).
    const result = analyze(post(`{"user":{"email":"${email}"},"junk":${deep}}`), context);
    expect(result.findings.map((finding) => finding.path)).toEqual(['body.json.user.email']);
  });
});
