import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, Report } from '@conformance/core';

// The real pipeline: the built CLI, mitmdump, Appium with appium-chromium-driver, Debian's Chromium.
const root = resolve(import.meta.dirname, '..', '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const app = (name: string) => join(root, 'fixtures', 'apps', name, 'conformance.app.yaml');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function conformance(args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function readReport(dir: string): Promise<Report> {
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
}

const check = (report: Report, id: string): CheckResult => report.checks.find((c) => c.id === id)!;

describe('conformance run on the bundled fixture apps', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
  });

  it('consent.no-third-party-before-choice fails on news-leaky with the collector flow as evidence (exit 1)', async () => {
    const out = join(work, 'leaky');
    const result = await conformance(['run', '--app', app('news-leaky'), '--out', out, '--window', '3000']);
    expect(result.stderr).toContain('scenario idle');
    expect(result.code, result.stderr).toBe(1);
    const report = await readReport(out);
    expect(report).toMatchObject({ schemaVersion: 1, app: { name: 'news-leaky' } });
    expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['idle', 'completed'],
      ['accept', 'completed'],
    ]);
    const consent = check(report, 'consent.no-third-party-before-choice');
    expect(consent.status).toBe('fail');
    expect(consent.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'flow',
        scenario: 'idle',
        method: 'POST',
        host: 'collect.vendor-analytics.test',
        phase: 'before-choice',
      }),
    );
    const tls = check(report, 'transport.tls-everywhere');
    expect(tls.status).toBe('fail');
    expect(tls.evidence[0]).toMatchObject({ scheme: 'http', host: 'collect.vendor-analytics.test' });
    expect(report.platformNoise.hosts.length).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/FAIL\s+consent\.no-third-party-before-choice/);

    // The cited flow is in the journal, and the bundle's checksums hold.
    const flowId = (consent.evidence[0] as { flowId: string }).flowId;
    expect(await readFile(join(out, 'evidence', 'idle', 'flows.jsonl'), 'utf8')).toContain(flowId);
    const sums = await readFile(join(out, 'evidence', 'SHA256SUMS'), 'utf8');
    expect(sums).toContain('idle/flows.jsonl');
    expect(sums).toContain('accept/consent-dialog.png');

    // Collect once, judge many times: the bundle alone gives the same verdicts.
    const again = await conformance(['analyze', out, '--out', join(work, 'leaky-again')]);
    expect(again.code).toBe(1);
    const reanalyzed = await readReport(join(work, 'leaky-again'));
    expect(reanalyzed.checks.map((c) => [c.id, c.status, c.evidence.length])).toEqual(
      report.checks.map((c) => [c.id, c.status, c.evidence.length]),
    );
  });

  it('consent.no-third-party-before-choice passes on news-careful, which starts its SDK only after accepting (exit 0)', async () => {
    const out = join(work, 'careful');
    const result = await conformance(['run', '--app', app('news-careful'), '--out', out, '--window', '3000']);
    expect(result.code, result.stderr).toBe(0);
    const report = await readReport(out);
    expect(check(report, 'consent.no-third-party-before-choice').status).toBe('pass');
    // The SDK did send after consent, over TLS: the pass is observed, not vacuous.
    const tls = check(report, 'transport.tls-everywhere');
    expect(tls.status).toBe('pass');
    expect(tls.summary).toMatch(/all [1-9]\d* request\(s\)/);
  });

  it('exits 2 on a manifest with a misspelled key, naming the key, before starting anything', async () => {
    const manifest = join(work, 'typo.app.yaml');
    const text = await readFile(app('news-careful'), 'utf8');
    await writeFile(manifest, text.replace('firstParty:', 'firstParti:'));
    const result = await conformance(['run', '--app', manifest, '--out', join(work, 'typo')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key "firstParti" (did you mean "firstParty"?)');
    expect(result.stderr).toContain(manifest);
  });
});
