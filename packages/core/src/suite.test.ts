import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attestationFileSchema, suiteJsonSchema, suiteSchema, type SuiteInput } from './suite.js';

const valid: SuiteInput = {
  id: 'acme-policy',
  title: 'Acme policy',
  description: 'What Acme asks of every app.',
  instruments: [{ id: 'ACME-2026', title: 'Acme privacy rules', version: '2026-01', source: 'https://acme.example/rules' }],
  items: [
    {
      id: 'acme-policy.1',
      instrument: 'ACME-2026',
      clause: 'Rule 1',
      title: 'Nothing before consent',
      requirement: 'Nothing goes to a third party before the user chooses.',
      category: 'consent',
      severity: 'critical',
      mode: 'automated',
      checks: ['consent.no-third-party-before-choice'],
    },
    {
      id: 'acme-policy.2',
      instrument: 'ACME-2026',
      clause: 'Rule 2',
      title: 'Policy in plain words',
      requirement: 'The policy is written in plain words.',
      category: 'policy',
      severity: 'low',
      mode: 'manual',
    },
  ],
};

describe('suite schema', () => {
  it('accepts a suite in the documented format, with weight 1 and no checks by default', () => {
    const suite = suiteSchema.parse(valid);
    expect(suite.items[0]!.weight).toBe(1);
    expect(suite.items[1]!.checks).toEqual([]);
  });

  it('rejects an automated item without checks, a manual item with checks, a foreign instrument and a foreign id prefix', () => {
    const bad = structuredClone(valid);
    bad.items[0]!.checks = [];
    bad.items[1]!.checks = ['transport.tls-everywhere'];
    bad.items[1]!.instrument = 'OTHER';
    bad.items[1]!.id = 'other-suite.2';
    const result = suiteSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'items.0.checks: an automated item needs at least one check id',
        expect.stringMatching(/^items\.1\.checks: a manual item cites no checks/),
        expect.stringMatching(/^items\.1\.instrument: "OTHER" is not one of this suite's instruments/),
        expect.stringMatching(/^items\.1\.id: item id "other-suite\.2" must start with/),
      ]),
    );
  });

  it('rejects two items with the same id', () => {
    const bad = structuredClone(valid);
    bad.items[1]!.id = 'acme-policy.1';
    const result = suiteSchema.safeParse(bad);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('duplicate item id "acme-policy.1"');
  });

  it('the published schema/suite.schema.json is what the zod schema generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'suite.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(suiteJsonSchema());
  });

  it('the JSON Schema lists every check id, so editors complete them', () => {
    const text = JSON.stringify(suiteJsonSchema());
    expect(text).toContain('"consent.no-third-party-before-choice"');
    expect(text).toContain('"additionalProperties":false');
  });
});

describe('attestation file schema', () => {
  it('accepts outcomes with name and date, and rejects an outcome that is neither pass nor fail', () => {
    expect(
      attestationFileSchema.safeParse({
        attestations: [{ item: 'acme-policy.2', outcome: 'pass', name: 'J. Doe', date: '2026-11-30' }],
      }).success,
    ).toBe(true);
    expect(
      attestationFileSchema.safeParse({
        attestations: [{ item: 'acme-policy.2', outcome: 'maybe', name: 'J. Doe', date: '2026-11-30' }],
      }).success,
    ).toBe(false);
  });
});
