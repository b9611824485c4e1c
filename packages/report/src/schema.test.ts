import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  certificationJsonSchema,
  REPORT_SCHEMA_VERSION,
  reportJsonSchema,
  SUMMARY_SCHEMA_VERSION,
  summaryJsonSchema,
} from '@conformance/core';

describe('report.schema.json', () => {
  it('is what the zod report model generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'report.schema.json');
    const published = JSON.parse(readFileSync(file, 'utf8'));
    expect(published).toEqual(reportJsonSchema());
    expect(published.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION);
  });
});

describe('summary.schema.json', () => {
  it('is what the zod summary model generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'summary.schema.json');
    const published = JSON.parse(readFileSync(file, 'utf8'));
    expect(published).toEqual(summaryJsonSchema());
    expect(published.properties.schemaVersion.const).toBe(SUMMARY_SCHEMA_VERSION);
  });
});

describe('certification.schema.json', () => {
  it('is what the zod certification model generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'certification.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(certificationJsonSchema());
  });
});
