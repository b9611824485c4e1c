import { describe, expect, it } from 'vitest';
import { certificationSchema, type CertificationCell } from '@conformance/core';
import { buildCertification, cellVerdict, certificationExitCode, renderCertificationMarkdown } from './certification.js';

const CHECKS = ['consent.no-personal-data-before-choice', 'optional.location-off-by-default'];
const hosts = [
  { name: 'news', manifest: 'apps/news/conformance.app.yaml' },
  { name: 'shop', manifest: 'apps/shop/conformance.app.yaml' },
];
const configurations = [
  { name: 'default', options: {}, positiveControl: false },
  { name: 'location-on', options: { location: true }, positiveControl: true },
];

function cell(version: string, host: string, configuration: string, statuses: string[]): CertificationCell {
  const checks = Object.fromEntries(CHECKS.map((id, index) => [id, statuses[index]!]));
  return {
    version,
    host,
    configuration,
    positiveControl: configuration === 'location-on',
    verdict: cellVerdict(checks, CHECKS),
    checks,
    folder: `cells/${version}/${host}/${configuration}`,
  };
}

function certify(cells: CertificationCell[]) {
  return buildCertification({
    tool: { name: 'conformance', version: '0.1.0' },
    matrix: '/m/certify.yaml',
    startedAt: new Date('2026-01-01T00:00:00Z'),
    sdk: { name: 'Acme', package: 'acme-sdk' },
    versions: [{ version: '1.0.0', installed: { version: '1.0.0', integrity: 'sha512-x', resolved: null } }],
    hosts,
    configurations,
    scenarios: ['idle', 'accept'],
    checks: CHECKS,
    cells,
  });
}

describe('cellVerdict', () => {
  it('an observed failure stands; all pass or not applicable is a pass; anything else is inconclusive', () => {
    expect(cellVerdict({ a: 'pass', b: 'fail' }, ['a', 'b'])).toBe('fail');
    expect(cellVerdict({ a: 'inconclusive', b: 'fail' }, ['a', 'b'])).toBe('fail');
    expect(cellVerdict({ a: 'pass', b: 'not-applicable' }, ['a', 'b'])).toBe('pass');
    expect(cellVerdict({ a: 'pass', b: 'inconclusive' }, ['a', 'b'])).toBe('inconclusive');
    expect(cellVerdict({ a: 'pass', b: 'not-run' }, ['a', 'b'])).toBe('inconclusive');
    expect(cellVerdict({ a: 'pass' }, ['a', 'b'])).toBe('inconclusive');
  });
});

describe('buildCertification', () => {
  it('certifies when the default holds in every host and the positive control fails in every host', () => {
    const certification = certify([
      cell('1.0.0', 'news', 'default', ['pass', 'pass']),
      cell('1.0.0', 'news', 'location-on', ['pass', 'fail']),
      cell('1.0.0', 'shop', 'default', ['pass', 'pass']),
      cell('1.0.0', 'shop', 'location-on', ['pass', 'fail']),
    ]);
    expect(certificationSchema.safeParse(certification).success).toBe(true);
    expect(certification.versions[0]).toMatchObject({ verdict: 'certified', positiveControlProven: true });
    expect(certification.versions[0]!.statements).toEqual([
      '`default` sends no personal data before consent in 2/2 host apps',
      '`default` keeps location off by default in 2/2 host apps',
      'positive control `location-on` failed a covered check in 2/2 host apps',
    ]);
    expect(certificationExitCode(certification)).toBe(0);
  });

  it('is unproven when the positive control finds nothing in one host, whatever the default did', () => {
    const certification = certify([
      cell('1.0.0', 'news', 'default', ['pass', 'pass']),
      cell('1.0.0', 'news', 'location-on', ['pass', 'fail']),
      cell('1.0.0', 'shop', 'default', ['pass', 'pass']),
      cell('1.0.0', 'shop', 'location-on', ['pass', 'pass']),
    ]);
    expect(certification.versions[0]).toMatchObject({ verdict: 'unproven', positiveControlProven: false });
    expect(certification.verdict).toBe('unproven');
    expect(certification.versions[0]!.statements).toContain(
      'positive control `location-on` failed a covered check in 1/2 host apps: the certification of this version is unproven',
    );
    expect(certificationExitCode(certification)).toBe(2);
  });

  it('fails when the default fails a covered check in a host, counting the hosts per check', () => {
    const certification = certify([
      cell('1.0.0', 'news', 'default', ['fail', 'pass']),
      cell('1.0.0', 'news', 'location-on', ['pass', 'fail']),
      cell('1.0.0', 'shop', 'default', ['pass', 'pass']),
      cell('1.0.0', 'shop', 'location-on', ['fail', 'fail']),
    ]);
    expect(certification.verdict).toBe('failed');
    expect(certification.versions[0]!.statements[0]).toBe('`default` sends no personal data before consent in 1/2 host apps');
    expect(certificationExitCode(certification)).toBe(1);
  });

  it('is incomplete when a cell of the certified configuration errored or stayed undecided', () => {
    const errored: CertificationCell = {
      ...cell('1.0.0', 'shop', 'default', []),
      verdict: 'error',
      checks: {},
      error: { code: 'CONF_CERTIFY_BUILD', message: 'no build' },
    };
    const certification = certify([
      cell('1.0.0', 'news', 'default', ['pass', 'pass']),
      cell('1.0.0', 'news', 'location-on', ['pass', 'fail']),
      errored,
      cell('1.0.0', 'shop', 'location-on', ['pass', 'fail']),
    ]);
    expect(certification.verdict).toBe('incomplete');
    expect(certification.versions[0]!.statements[0]).toBe(
      '`default` sends no personal data before consent in 1/2 host apps (1 undecided)',
    );
    expect(renderCertificationMarkdown(certification)).toContain('error: CONF\\_CERTIFY\\_BUILD no build');
  });

  it('writes Markdown in which no table cell or heading can be broken by the data', () => {
    const hostile = cell('1.0.0', 'news', 'default', ['pass', 'pass']);
    hostile.error = { code: 'X', message: '| a | <script> *b* `c`\n# d' };
    hostile.verdict = 'error';
    const markdown = renderCertificationMarkdown(certify([hostile]));
    expect(markdown).toContain('\\| a \\| \\<script\\> \\*b\\* \\`c\\` \\# d');
    expect(markdown).not.toContain('<script>');
  });
});
