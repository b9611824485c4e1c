import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { countStatuses, REPORT_SCHEMA_VERSION, type CheckResult, type ItemResult, type Report } from '@conformance/core';
import { manifestLocation, toJunitXml, toSarif, writeCiReports } from '../../src/index.js';

const schemas = join(import.meta.dirname, '..', 'schemas');
const hostile =
  '<script>alert(1)</script> ]]> <img src=x onerror=alert(2)> \u001b[2J\u001b]0;owned\u0007 & "q" \u0000\u0008\uFFFF';

const checks: CheckResult[] = [
  {
    id: 'consent.no-third-party-before-choice',
    title: 'No third party before a choice',
    status: 'fail',
    summary: `2 request(s) ${hostile}`,
    evidence: [],
  },
  { id: 'transport.tls-everywhere', title: 'TLS everywhere', status: 'fail', summary: 'one cleartext request', evidence: [] },
  { id: 'gpc.honoured', title: 'GPC honoured', status: 'inconclusive', summary: 'not observed', evidence: [] },
];

const item = (n: number, fields: Partial<ItemResult>): ItemResult => ({
  id: `acme.${n}`,
  instrument: 'ACME',
  clause: `Art. ${n}`,
  title: `Rule ${n}`,
  severity: 'high',
  weight: 1,
  mode: 'automated',
  status: 'pass',
  summary: 'ok',
  checks: [],
  evidence: [],
  ...fields,
});

const items: ItemResult[] = [
  item(1, {
    status: 'fail',
    severity: 'critical',
    summary: `consent.no-third-party-before-choice: 2 request(s) ${hostile}`,
    checks: [{ id: 'consent.no-third-party-before-choice', status: 'fail', summary: '2 request(s)' }],
    evidence: [
      {
        kind: 'flow',
        scenario: 'idle',
        flowId: 'f1',
        method: 'POST',
        url: `https://collect.vendor.test/${hostile}`,
        host: 'collect.vendor.test',
        scheme: 'https',
        phase: 'before-choice',
        sinceLaunchMs: 800,
        destination: 'declared-sdk (Vendor Analytics)',
      },
    ],
  }),
  item(2, { status: 'pass' }),
  item(3, { status: 'manual', mode: 'manual', summary: 'needs a person to judge it' }),
  item(4, { status: 'not-applicable', summary: 'not applicable: web only' }),
  item(5, {
    status: 'inconclusive',
    summary: 'gpc.honoured: not observed',
    checks: [{ id: 'gpc.honoured', status: 'inconclusive', summary: 'x' }],
  }),
  item(6, {
    status: 'waived',
    severity: 'medium',
    summary: 'waived until 2027-03-31 (qa: vendor fix due); failed: transport.tls-everywhere: one cleartext request',
    checks: [{ id: 'transport.tls-everywhere', status: 'fail', summary: 'one cleartext request' }],
    waiver: { names: 'acme.6', reason: 'vendor fix due', owner: 'qa', expires: '2027-03-31' },
  }),
  item(7, { status: 'attested-fail', mode: 'manual', summary: 'attested fail by A. Person on 2026-11-30' }),
];

const report: Report = {
  schemaVersion: REPORT_SCHEMA_VERSION,
  tool: { name: 'conformance', version: '0.1.0' },
  app: { name: `news ${hostile}`, platform: 'web', manifest: '/repo/fixtures/apps/news/conformance.app.yaml' },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:30.000Z',
  device: 'Pixel 7',
  scenarios: [{ name: 'idle', status: 'completed', observationMs: 8000, flows: 3, evidenceDir: 'evidence/idle' }],
  platformNoise: { hosts: [], flows: 0 },
  checks,
  totals: countStatuses(checks),
  suites: [
    {
      id: 'acme',
      title: 'Acme',
      source: 'suites/acme/suite.yaml',
      score: 50,
      grade: 'D',
      coverage: 0.5,
      automatedCoverage: 0.6,
      counts: {
        pass: 1,
        fail: 1,
        inconclusive: 1,
        'not-applicable': 1,
        'not-run': 0,
        manual: 1,
        'attested-pass': 0,
        'attested-fail': 1,
        waived: 1,
      },
      items,
    },
  ],
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => name === 'testcase' || name === 'testsuite' || name === 'property',
});

async function validateJunit(xml: string) {
  const xsd = await readFile(join(schemas, 'junit-10.xsd'), 'utf8');
  return validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [xsd] });
}

describe('JUnit XML', () => {
  const xml = toJunitXml(report);

  it('validates against the Jenkins junit-10.xsd (xmllint compiled to WebAssembly)', async () => {
    const result = await validateJunit(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('the validator refuses a document the schema forbids (negative control)', async () => {
    const broken = xml.replace(/(<testsuite name="acme") tests="\d+"/, '$1');
    expect(broken).not.toBe(xml);
    const result = await validateJunit(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.map((error) => error.message).join('\n')).toContain("'tests' is required");
  });

  it('one testsuite per suite and one testcase per item: failure, error, skipped as documented', () => {
    const doc = parser.parse(xml);
    const suite = doc.testsuites.testsuite[0];
    expect(suite['@name']).toBe('acme');
    expect(suite['@tests']).toBe('7');
    expect(suite['@failures']).toBe('2');
    expect(suite['@errors']).toBe('1');
    expect(suite['@skipped']).toBe('3');
    const cases = suite.testcase as Record<string, Record<string, string>>[];
    expect(cases.map((c) => c['@name'])).toEqual(items.map((i) => `${i.id}: ${i.title}`));
    const [failed, passed, manual, na, inconclusive, waived, attested] = cases;
    expect(failed!['failure']!['@type']).toBe('critical');
    expect(failed!['failure']!['@message']).toContain('consent.no-third-party-before-choice: 2 request(s)');
    expect(failed!['failure']!['@message']).toContain('— evidence: idle: POST https://collect.vendor.test/');
    expect(failed!['failure']!['#text']).toContain('evidence:\n- idle: POST https://collect.vendor.test/');
    expect(passed!['failure']).toBeUndefined();
    expect(passed!['skipped']).toBeUndefined();
    expect(manual!['skipped']!['@type']).toBe('manual');
    expect(na!['skipped']!['@message']).toBe('not applicable: web only');
    expect(inconclusive!['error']!['@type']).toBe('inconclusive');
    expect(waived!['skipped']!['@type']).toBe('waived');
    expect(waived!['skipped']!['@message']).toContain('waived until 2027-03-31');
    expect(attested!['failure']!['@type']).toBe('attested');
    const properties = Object.fromEntries(
      (suite.properties.property as Record<string, string>[]).map((p) => [p['@name'], p['@value']]),
    );
    expect(properties).toMatchObject({ suite: 'Acme', score: '50', grade: 'D', platform: 'web', device: 'Pixel 7' });
  });

  it('app text never becomes markup and control characters are gone', () => {
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('<img');
    expect(xml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFF]/);
    const doc = parser.parse(xml);
    const text: string = doc.testsuites.testsuite[0].testcase[0].failure['#text'];
    expect(text).toContain('<script>alert(1)</script> ]]> <img src=x onerror=alert(2)>');
    expect(text).toContain('& "q"');
    expect(text).not.toContain('\u001b');
  });

  it('with no suite in the report, one testsuite holds a case per check', async () => {
    const bare = toJunitXml({ ...report, suites: [] });
    expect((await validateJunit(bare)).valid).toBe(true);
    const suite = parser.parse(bare).testsuites.testsuite[0];
    expect(suite['@name']).toBe('checks');
    expect(suite['@tests']).toBe('3');
    expect(suite['@failures']).toBe('2');
    expect(suite['@errors']).toBe('1');
  });
});

async function sarifValidator() {
  const schema = JSON.parse(await readFile(join(schemas, 'sarif-schema-2.1.0.json'), 'utf8'));
  // Both are CommonJS modules that also export themselves as `default`, which is what their types declare.
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  return ajv.compile(schema);
}

describe('SARIF 2.1.0', () => {
  const location = manifestLocation(report.app.manifest, '/repo/reports/news', '/repo');
  const log = toSarif(report, location);

  it('validates against the published OASIS sarif-schema-2.1.0.json', async () => {
    const validate = await sarifValidator();
    const valid = validate(JSON.parse(JSON.stringify(log)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the validator refuses a log the schema forbids (negative control)', async () => {
    const validate = await sarifValidator();
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    const noMessage = structuredClone(log) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    delete noMessage.runs[0]!.results[0]!['message'];
    expect(validate(noMessage)).toBe(false);
  });

  it('one result per failed item (waived ones suppressed), the rule is the check with help text and the clause', () => {
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.properties?.['item'])).toEqual(['acme.1', 'acme.6', 'acme.7']);
    const [failed, waived, attested] = results;
    expect(failed!.ruleId).toBe('consent.no-third-party-before-choice');
    expect(failed!.level).toBe('error');
    expect(failed!.suppressions).toBeUndefined();
    expect(failed!.message.text).toContain('acme.1 (ACME Art. 1, critical)');
    expect(waived!.ruleId).toBe('transport.tls-everywhere');
    expect(waived!.level).toBe('warning');
    expect(waived!.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'vendor fix due (owner qa, until 2027-03-31)' },
    ]);
    expect(attested!.ruleId).toBe('acme.7');
    const rules = log.runs[0]!.tool.driver.rules!;
    const rule = rules.find((r) => r.id === 'consent.no-third-party-before-choice')!;
    expect(rule.shortDescription?.text).toBe('No third party before a choice');
    expect(rule.help?.text).toContain('ACME Art. 1 (acme.1)');
    expect(failed!.locations![0]!.physicalLocation!.artifactLocation).toEqual({
      uri: 'fixtures/apps/news/conformance.app.yaml',
      uriBaseId: 'SRCROOT',
    });
  });

  it('no control character of the app survives', () => {
    expect(JSON.stringify(log)).not.toMatch(/\\u00(0[0-8]|1b)/);
  });

  it('the manifest is relative to the working folder when inside it, else to the run folder', () => {
    expect(manifestLocation('/repo/apps/a/conformance.app.yaml', '/out/run', '/repo')).toMatchObject({
      manifestUri: 'apps/a/conformance.app.yaml',
      baseId: 'SRCROOT',
    });
    expect(manifestLocation('/elsewhere/a/conformance.app.yaml', '/elsewhere/runs/r1', '/repo')).toMatchObject({
      manifestUri: '../../a/conformance.app.yaml',
      baseId: 'RUNDIR',
      baseUri: 'file:///elsewhere/runs/r1/',
    });
    expect(manifestLocation('/a/conformance.app.yaml', '/out', '/').baseUri).toBe('file:///');
  });
});

describe('writeCiReports', () => {
  it('writes junit.xml and results.sarif next to report.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ci-formats-'));
    const written = await writeCiReports(report, dir, '/repo');
    expect(written).toEqual({ junit: join(dir, 'junit.xml'), sarif: join(dir, 'results.sarif') });
    expect(await readFile(written.junit, 'utf8')).toBe(toJunitXml(report));
    expect(JSON.parse(await readFile(written.sarif, 'utf8')).version).toBe('2.1.0');
  });
});
