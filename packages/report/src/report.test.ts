import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countStatuses, REPORT_SCHEMA_VERSION, reportSchema, type CheckResult, type Report } from '@conformance/core';
import { formatSuiteSummary, formatVerdictTable, printable } from './table.js';
import { jsonLines, writeEvidenceChecksums, writeFileAtomic, writeReportJson } from './write.js';

const checks: CheckResult[] = [
  {
    id: 'consent.no-third-party-before-choice',
    title: 't',
    status: 'fail',
    summary: '2 request(s) before any choice',
    evidence: [],
  },
  { id: 'transport.tls-everywhere', title: 't', status: 'pass', summary: 'all TLS', evidence: [] },
];
const report: Report = {
  schemaVersion: REPORT_SCHEMA_VERSION,
  tool: { name: 'conformance', version: '0.1.0' },
  app: { name: 'news', platform: 'web', manifest: '/m.yaml' },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:30.000Z',
  device: 'Pixel 7',
  scenarios: [
    { name: 'idle', status: 'completed', observationMs: 8000, flows: 3, evidenceDir: 'evidence/idle' },
    {
      name: 'accept',
      status: 'error',
      error: { code: 'CONF_SCENARIO_TIMEOUT', message: 'too slow' },
      observationMs: 8000,
      flows: 0,
      evidenceDir: 'evidence/accept',
    },
  ],
  platformNoise: { hosts: [], flows: 0 },
  checks,
  totals: countStatuses(checks),
  suites: [
    {
      id: 'acme-policy',
      title: 'Acme policy',
      source: 'suites/acme-policy/suite.yaml',
      score: 50,
      grade: 'D',
      coverage: 0.6667,
      automatedCoverage: 1,
      counts: {
        pass: 1,
        fail: 1,
        inconclusive: 0,
        'not-applicable': 0,
        manual: 1,
        'attested-pass': 0,
        'attested-fail': 0,
        'not-run': 0,
        waived: 0,
      },
      items: [
        {
          id: 'acme-policy.1',
          instrument: 'ACME',
          clause: 'Rule 1',
          title: 'Nothing before consent',
          severity: 'critical',
          weight: 1,
          mode: 'automated',
          status: 'fail',
          summary: 'consent.no-third-party-before-choice: 2 request(s) before any choice',
          checks: [{ id: 'consent.no-third-party-before-choice', status: 'fail', summary: '2 request(s) before any choice' }],
          evidence: [
            {
              kind: 'flow',
              scenario: 'idle',
              flowId: 'f1',
              method: 'POST',
              url: 'https://collect.vendor.test/\u001b]8;;https://evil.test\u0007click\u001b]8;;\u0007/b\u001b[2J',
              host: 'collect.vendor.test',
              scheme: 'https',
              phase: 'before-choice',
              sinceLaunchMs: 800,
              destination: 'declared-sdk (Vendor Analytics)',
            },
          ],
        },
        {
          id: 'acme-policy.2',
          instrument: 'ACME',
          clause: 'Rule 2',
          title: 'TLS',
          severity: 'high',
          weight: 1,
          mode: 'automated',
          status: 'pass',
          summary: 'transport.tls-everywhere: all TLS',
          checks: [{ id: 'transport.tls-everywhere', status: 'pass', summary: 'all TLS' }],
          evidence: [],
        },
        {
          id: 'acme-policy.3',
          instrument: 'ACME',
          clause: 'Rule 3',
          title: 'Plain words',
          severity: 'low',
          weight: 1,
          mode: 'manual',
          status: 'manual',
          summary: 'needs a person to judge it',
          checks: [],
          evidence: [],
        },
      ],
    },
  ],
};

describe('formatVerdictTable', () => {
  it('shows one row per check, the totals and every scenario that did not complete', () => {
    const table = formatVerdictTable(report);
    expect(table).toMatch(/FAIL\s+consent\.no-third-party-before-choice\s+2 request\(s\) before any choice/);
    expect(table).toMatch(/PASS\s+transport\.tls-everywhere/);
    expect(table).toContain('news: 1 pass, 1 fail, 0 inconclusive, 0 not applicable');
    expect(table).toContain('scenario accept did not complete: CONF_SCENARIO_TIMEOUT too slow');
  });

  it('lists not-run checks as NOT RUN and counts them apart', () => {
    const notRun: CheckResult = {
      id: 'gpc.honoured',
      title: 't',
      status: 'not-run',
      summary: 'Not run: it needs gpc, not requested for this run.',
      evidence: [],
    };
    const partial = { ...report, checks: [...checks, notRun], totals: countStatuses([...checks, notRun]) };
    const table = formatVerdictTable(partial);
    expect(table).toMatch(/NOT RUN\s+gpc\.honoured\s+Not run: it needs gpc/);
    expect(table).toContain('news: 1 pass, 1 fail, 0 inconclusive, 0 not applicable, 1 not run');
    expect(reportSchema.safeParse(partial).success).toBe(true);
  });
});

describe('formatSuiteSummary', () => {
  it("shows each suite's score, grade and coverage, then the failed items with clause and one line of evidence", () => {
    const text = formatSuiteSummary(report);
    expect(text).toMatch(
      /^SUITE\s+SCORE\s+GRADE\s+COVERAGE\s+ITEMS\nacme-policy\s+50\.0\s+D\s+67 %\s+1 pass, 1 fail, 0 inconclusive, 1 manual, 0 n\/a/,
    );
    expect(text).toContain(
      'Failed items:\n  acme-policy.1  Rule 1  [critical]  Nothing before consent\n    idle: POST https://collect.vendor.test/',
    );
    expect(text).not.toContain('acme-policy.2');
  });

  it('prints no escape sequence or control character that came from the app', () => {
    const text = formatSuiteSummary(report);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('https://collect.vendor.test/click/b (before-choice');
  });
});

describe('printable', () => {
  it('removes CSI and OSC sequences, C0/C1 controls and bidi overrides; keeps the visible text', () => {
    expect(printable('\u001b[31mred\u001b[0m \u001b]0;title\u0007ok\u009b2J\u202eevil\nnext\r\tend\u0000')).toBe(
      'red okevil next end',
    );
    expect(printable('同意 Accept ✓')).toBe('同意 Accept ✓');
  });
});

describe('report model', () => {
  it('a report with suites validates against the report schema, and one with a bad item status does not', () => {
    expect(reportSchema.parse(report)).toEqual(report);
    const bad = structuredClone(report);
    (bad.suites[0]!.items[0] as { status: string }).status = 'observed';
    expect(reportSchema.safeParse(bad).success).toBe(false);
  });
});

describe('writeReportJson', () => {
  it('writes the report as JSON that reads back identical', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const file = await writeReportJson(report, dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
  });
});

describe('jsonLines', () => {
  it('gives JSON.stringify(value, null, 2) and a line feed, byte for byte, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 9 }), (value) => {
        expect([...jsonLines(value)].join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves out undefined members, writes undefined array elements as null, and calls toJSON, as JSON.stringify does', () => {
    const value = {
      a: undefined,
      b: [undefined, 1, { c: undefined }, [], {}],
      d: { toJSON: () => ({ e: 'x' }) },
      f: '\n"quoted"\n',
      deep: { 1: { 2: { 3: { 4: { 5: { 6: { 7: [1, { 8: 'eight' }] } } } } } } },
    };
    expect([...jsonLines(value)].join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});

describe('writeReportJson when writing fails midway', () => {
  it('keeps the earlier report.json whole and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-midway-'));
    await writeReportJson(report, dir);
    const before = await readFile(join(dir, 'report.json'), 'utf8');
    // A value that cannot be written, after enough of the report for several pieces to be on disk.
    const broken = {
      ...report,
      checks: [...Array.from({ length: 2_000 }, () => report.checks[0]!), { toJSON: () => JSON.parse('{') as unknown }],
    } as unknown as typeof report;
    await expect(writeReportJson(broken, dir)).rejects.toThrow(SyntaxError);
    expect(await readFile(join(dir, 'report.json'), 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['report.json']);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file; when the rename fails, the target is untouched and the temporary removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'report.json');
    await writeFile(file, 'old\n');
    await writeFileAtomic(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect(await readdir(dir)).toEqual(['report.json']);
    // A folder where the file should go: the rename fails, nothing is left half-written.
    const blocked = join(dir, 'junit.xml');
    await mkdir(join(blocked, 'inside'), { recursive: true });
    await expect(writeFileAtomic(blocked, '<testsuites/>')).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.json']);
    expect(await readdir(blocked)).toEqual(['inside']);
  });
});

describe('writeEvidenceChecksums', () => {
  it('hashes every file in the format sha256sum -c verifies, and the check fails once a file changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evidence-'));
    await mkdir(join(dir, 'idle'));
    await writeFile(join(dir, 'app.yaml'), 'name: x\n');
    await writeFile(join(dir, 'idle', 'flows.jsonl'), '{"type":"ready"}\n');
    const { files } = await writeEvidenceChecksums(dir);
    expect(files).toBe(2);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).toString()).toContain('idle/flows.jsonl: OK');
    await writeFile(join(dir, 'idle', 'flows.jsonl'), 'tampered\n');
    expect(() => execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, stdio: 'pipe' })).toThrow();
  });
});
