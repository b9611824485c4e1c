import { describe, expect, it } from 'vitest';
import { allureSeverityOf, allureStatusOf, featureOf } from './mapping.js';
import { escapeHtml, oneLine, plain } from './text.js';

describe('mapping', () => {
  it('maps severities critical → critical, high → critical, medium → normal, low → minor', () => {
    expect(['critical', 'high', 'medium', 'low'].map(allureSeverityOf)).toEqual(['critical', 'critical', 'normal', 'minor']);
  });

  it('never maps a status to passed unless it passed or was attested so', () => {
    const passed = [
      'pass',
      'fail',
      'inconclusive',
      'not-applicable',
      'manual',
      'attested-pass',
      'attested-fail',
      'not-run',
      'waived',
      'x',
    ].filter((status) => allureStatusOf(status).status === 'passed');
    expect(passed).toEqual(['pass', 'attested-pass']);
    expect(allureStatusOf('manual')).toEqual({ status: 'skipped', reason: 'manual attestation', attested: false });
  });

  it('takes the feature from the category, else the area of the first check', () => {
    expect(featureOf({ category: 'transport', checks: [], mode: 'automated' })).toBe('transport');
    expect(featureOf({ checks: [{ id: 'payload.encrypted', status: 'pass', summary: '' }], mode: 'automated' })).toBe('payload');
    expect(featureOf({ checks: [], mode: 'manual' })).toBe('manual');
  });
});

describe('text', () => {
  it('plain replaces markup characters by look-alikes and strips escape sequences', () => {
    expect(plain('a <b onclick="x">\u001b[31mred\u001b]0;t\u0007')).toBe('a ‹b onclick=”x”›red');
  });

  it('plain leaves text without markup characters as it is', () => {
    expect(plain('1 request(s) to collect.vendor.test before any choice')).toBe(
      '1 request(s) to collect.vendor.test before any choice',
    );
  });

  it('oneLine joins lines and cuts long text', () => {
    expect(oneLine('a\nb\tc', 300)).toBe('a b c');
    expect(oneLine('x'.repeat(10), 5)).toBe('xxxx…');
  });

  it('escapeHtml escapes every markup character', () => {
    expect(escapeHtml(`<img src=x onerror='a'>&"\``)).toBe('&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;&#96;');
  });
});
