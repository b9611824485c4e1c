import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countStatuses, REPORT_SCHEMA_VERSION, type CheckResult, type Report } from '@conformance/core';
import { formatVerdictTable } from './table.js';
import { writeEvidenceChecksums, writeReportJson } from './write.js';

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
};

describe('formatVerdictTable', () => {
  it('shows one row per check, the totals and every scenario that did not complete', () => {
    const table = formatVerdictTable(report);
    expect(table).toMatch(/FAIL\s+consent\.no-third-party-before-choice\s+2 request\(s\) before any choice/);
    expect(table).toMatch(/PASS\s+transport\.tls-everywhere/);
    expect(table).toContain('news: 1 pass, 1 fail, 0 inconclusive, 0 not applicable');
    expect(table).toContain('scenario accept did not complete: CONF_SCENARIO_TIMEOUT too slow');
  });
});

describe('writeReportJson', () => {
  it('writes the report as JSON that reads back identical', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const file = await writeReportJson(report, dir);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
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
