import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, waiverFileJsonSchema, waiverFileSchema, waiverSchema } from './waivers.js';

const valid = { item: 'acme-policy.1', reason: 'vendor fix due in 2.4', owner: 'qa@example.test', expires: '2027-03-31' };

describe('waiver schema', () => {
  it('accepts an item waiver and a host-limited check waiver', () => {
    expect(waiverSchema.safeParse(valid).success).toBe(true);
    const check = { check: 'transport.tls-everywhere', host: 'cdn.example.test', reason: 'r', owner: 'o', expires: '2027-01-01' };
    expect(waiverSchema.safeParse(check).success).toBe(true);
  });

  it('needs exactly one of item or check', () => {
    const both = waiverSchema.safeParse({ ...valid, check: 'gpc.honoured' });
    expect(both.error?.issues.map((issue) => issue.message)).toContain('give exactly one of item or check');
    const { item: _item, ...neither } = valid;
    expect(waiverSchema.safeParse(neither).success).toBe(false);
  });

  it('needs a reason, an owner and a real YYYY-MM-DD expiry date', () => {
    expect(waiverSchema.safeParse({ ...valid, reason: '' }).success).toBe(false);
    const { owner: _owner, ...noOwner } = valid;
    expect(waiverSchema.safeParse(noOwner).success).toBe(false);
    expect(waiverSchema.safeParse({ ...valid, expires: '2027-02-30' }).success).toBe(false);
    expect(waiverSchema.safeParse({ ...valid, expires: '31.03.2027' }).success).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
  });

  it('rejects unknown keys and a host with a path or a scheme', () => {
    expect(waiverSchema.safeParse({ ...valid, until: '2027-01-01' }).success).toBe(false);
    expect(waiverSchema.safeParse({ ...valid, host: 'https://cdn.example.test/x' }).success).toBe(false);
    expect(waiverFileSchema.safeParse({ waivers: [] }).success).toBe(false);
  });

  it('the published schema/waivers.schema.json is what the zod schema generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'waivers.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(waiverFileJsonSchema());
  });
});
