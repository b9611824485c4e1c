import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundleFile } from '@conformance/core';
import { writeEvidenceChecksums } from '@conformance/report';
import { app, conformance, readReport } from './helpers.js';

/**
 * One real short assessment (news-leaky, idle and accept), then `conformance verify` as a
 * reviewer types it, on the bundle and on edited copies of it. The installation's home is a
 * fresh folder, so the signing key is made by this run.
 */
const savedHome = process.env['CONFORMANCE_HOME'];
let work: string;
let out: string;
let publicKey: string;
let run: Awaited<ReturnType<typeof conformance>>;

async function copyRun(): Promise<string> {
  const target = join(await mkdtemp(join(work, 'copy-')), 'run');
  await cp(out, target, { recursive: true });
  return target;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-verify-'));
  process.env['CONFORMANCE_HOME'] = join(work, 'home');
  out = join(work, 'leaky');
  run = await conformance(['run', '--app', app('news-leaky'), '--out', out, '--scenarios', 'idle,accept', '--window', '1500']);
  const keys = await conformance(['keys', 'export']);
  expect(keys.code, keys.stderr).toBe(0);
  publicKey = join(work, 'installation.pub.pem');
  await writeFile(publicKey, keys.stdout);
});

afterAll(() => {
  if (savedHome === undefined) delete process.env['CONFORMANCE_HOME'];
  else process.env['CONFORMANCE_HOME'] = savedHome;
});

describe('a real run leaves a signed bundle with its provenance and the CI files', () => {
  it('run.json names the exact tool versions, the app build hash, the seed and the configuration', async () => {
    expect([0, 1, 2], run.stderr).toContain(run.code);
    const record = decodeBundleFile('run', await readFile(join(out, 'evidence', 'run.json'), 'utf8'), 'run.json');
    expect(record.tools).toMatchObject({
      node: process.versions.node,
      mitmproxy: expect.stringMatching(/^\d+\.\d+/),
      python: expect.stringMatching(/^3\.\d+/),
      chromium: expect.stringMatching(/^\d+\.\d+/),
      chromedriver: expect.stringMatching(/^\d+\.\d+/),
      appium: expect.stringMatching(/^\d+\.\d+/),
      'appium-chromium-driver': expect.stringMatching(/^\d+\.\d+/),
    });
    expect(record.appBuild).toMatchObject({ path: 'dist', kind: 'tree', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(record.seed).toBe(1);
    expect(record.config).toMatchObject({ scenarios: ['idle', 'accept'], observationMs: 1500, failOn: 'critical' });
    expect(record.signing?.publicKeyFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('the private key is mode 0600 in the installation home and nowhere in the output', async () => {
    const keyFile = join(work, 'home', 'keys', 'signing.key.pem');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const secret = (await readFile(keyFile, 'utf8')).split('\n')[1]!;
    const sums = await readFile(join(out, 'evidence', 'SHA256SUMS'), 'utf8');
    expect(sums).not.toContain('signing.key.pem');
    for (const file of ['report.json', 'junit.xml', 'results.sarif', 'evidence/run.json', 'evidence/SHA256SUMS.sig']) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text, file).not.toContain(secret);
      expect(text, file).not.toContain('PRIVATE KEY');
    }
  });

  it('junit.xml and results.sarif are next to report.json and name the failed items', async () => {
    const report = await readReport(out);
    const failed = report.suites.flatMap((suite) => suite.items).filter((item) => item.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain(`name="${failed[0]!.id}: `);
    const sarif = JSON.parse(await readFile(join(out, 'results.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((r: { properties: { item: string } }) => r.properties.item)).toEqual(
      expect.arrayContaining(failed.map((item) => item.id)),
    );
    expect(run.stdout).toContain(`junit: ${join(out, 'junit.xml')}`);
  });
});

describe('conformance verify', () => {
  it('passes on the untouched bundle, with and without --key', async () => {
    const plain = await conformance(['verify', out]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^OK \d+ file hash\(es\) match SHA256SUMS; signature not checked/);
    const signed = await conformance(['verify', out, '--key', publicKey]);
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
    expect(signed.stdout).toContain('SHA256SUMS.sig is a valid signature by sha256:');
  });

  it('fails naming the file when one byte of a flow changes', async () => {
    const dir = await copyRun();
    const flows = join(dir, 'evidence', 'idle', 'flows.jsonl');
    const bytes = await readFile(flows);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await writeFile(flows, bytes);
    const result = await conformance(['verify', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(
      /^MISMATCH evidence\/idle\/flows\.jsonl changed: SHA256SUMS lists [0-9a-f]{64}, the file hashes to [0-9a-f]{64}/m,
    );
  });

  it('fails on a re-hashed but unsigned edit when --key is given', async () => {
    const dir = await copyRun();
    const flows = join(dir, 'evidence', 'idle', 'flows.jsonl');
    const text = await readFile(flows, 'utf8');
    expect(text).toContain('collect.vendor-analytics.test');
    await writeFile(flows, text.replaceAll('collect.vendor-analytics.test', 'collect.vendor-analytict.test'));
    await writeEvidenceChecksums(join(dir, 'evidence'));
    const unkeyed = await conformance(['verify', dir]);
    // The hashes were forged to fit: without the key only the verdicts can still give it away.
    expect(unkeyed.stdout).not.toContain('changed: SHA256SUMS lists');
    const keyed = await conformance(['verify', dir, '--key', publicKey]);
    expect(keyed.code, keyed.stdout + keyed.stderr).toBe(1);
    expect(keyed.stdout).toContain(
      'MISMATCH evidence/SHA256SUMS.sig is not a signature of evidence/SHA256SUMS by the key sha256:',
    );
  });

  it('fails when a verdict in report.json is edited, naming the check and both values', async () => {
    const dir = await copyRun();
    const file = join(dir, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8'));
    const edited = report.checks.find((c: { id: string }) => c.id === 'consent.no-third-party-before-choice');
    expect(edited.status).toBe('fail');
    edited.status = 'pass';
    await writeFile(file, JSON.stringify(report, null, 2));
    const result = await conformance(['verify', dir]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain(
      'MISMATCH check consent.no-third-party-before-choice: report.json says pass, the evidence gives fail',
    );
  });

  it('fails when an item verdict in report.json is edited, naming the item', async () => {
    const dir = await copyRun();
    const file = join(dir, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8'));
    const item = report.suites.flatMap((s: { items: unknown[] }) => s.items).find((i: { status: string }) => i.status === 'fail');
    item.status = 'pass';
    await writeFile(file, JSON.stringify(report, null, 2));
    const result = await conformance(['verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`MISMATCH item ${item.id}: report.json says pass, the evidence gives fail`);
  });

  it('fails with the public key of another installation', async () => {
    const saved = process.env['CONFORMANCE_HOME'];
    process.env['CONFORMANCE_HOME'] = join(work, 'other-home');
    const other = await conformance(['keys', 'export']);
    process.env['CONFORMANCE_HOME'] = saved;
    const otherKey = join(work, 'other.pub.pem');
    await writeFile(otherKey, other.stdout);
    expect(other.stdout).not.toBe(await readFile(publicKey, 'utf8'));
    const result = await conformance(['verify', out, '--key', otherKey]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('MISMATCH evidence/SHA256SUMS.sig is not a signature');
  });

  it('notes a file present but not listed, and still passes', async () => {
    const dir = await copyRun();
    await writeFile(join(dir, 'evidence', 'notes.txt'), 'added after the run');
    const result = await conformance(['verify', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('note: evidence/notes.txt is not listed in SHA256SUMS (not checked)');
  });

  it('exits 2 on unusable input: no evidence folder, or a key file that is not a key', async () => {
    const empty = await mkdtemp(join(work, 'empty-'));
    const missing = await conformance(['verify', empty]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error [CONF_BUNDLE_INVALID]');
    const bad = join(work, 'bad.pem');
    await writeFile(bad, 'not a key');
    const badKey = await conformance(['verify', out, '--key', bad]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('error [CONF_SIGNING_KEY]');
  });
});
