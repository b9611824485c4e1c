import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeBundleFile, type DeviceSession } from '@conformance/core';
import { deviceProfile } from '@conformance/driver-appium';
import { writeEvidenceChecksums } from '@conformance/report';
import { createFakeProxy, createFakeSession, makeFlow, type FakeProxy } from '@conformance/testing';
import { runAssessment, type AssessmentResult } from './assess.js';
import type { AssessmentPorts } from './ports.js';
import { hashAppBuild, plainConfig } from './provenance.js';
import { analyzeEvidence } from './reanalyze.js';
import { keyFingerprint, loadOrCreateSigningKey, readPublicKey, signatureValid, signingKeyPaths } from './signing.js';
import { verifyRunDir } from './verify.js';

const TRACKER = 'http://collect.tracker.test/beacon?id=1';
const tools = {
  node: '20.0.0',
  python: '3.11.2',
  mitmproxy: '8.1.1',
  chromium: '156.0.1',
  chromedriver: '156.0.1',
  appium: '3.8.0',
};

/** Fake ports whose app calls a tracker over cleartext at launch, before any choice. */
function fakePorts(): AssessmentPorts {
  let proxy: FakeProxy | undefined;
  return {
    startProxy: async ({ journalPath }) => (proxy = await createFakeProxy(journalPath)),
    deviceProfile: async () => deviceProfile('Pixel 7', '156'),
    toolVersions: async () => tools,
    openDevice: async () => ({
      url: 'https://news.example.test/index.html',
      serve: {},
      canaries: [],
      async openSession() {
        const device: DeviceSession = createFakeSession({ displayed: ['#consent', '#accept', '#reject', '#article'] });
        const launch = device.launch.bind(device);
        return {
          ...device,
          async launch(target: string) {
            await launch(target);
            await proxy!.record(makeFlow(TRACKER, 0, { startedAt: Date.now(), completedAt: Date.now() }));
          },
        };
      },
      close: async () => undefined,
    }),
  };
}

const savedHome = process.env['CONFORMANCE_HOME'];
let home: string;
let appDir: string;
let manifest: string;

async function assess(out: string, extra: Record<string, unknown> = {}): Promise<AssessmentResult> {
  return runAssessment(
    {
      app: manifest,
      out,
      scenarios: ['idle', 'accept'],
      baseline: join(appDir, 'none.json'),
      observationMs: 5,
      dialogTimeoutMs: 5,
      backgroundMs: 5,
      seed: 7,
      ...extra,
    },
    fakePorts(),
  );
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'integrity-home-'));
  process.env['CONFORMANCE_HOME'] = home;
  appDir = await mkdtemp(join(tmpdir(), 'integrity-app-'));
  await mkdir(join(appDir, 'dist', 'js'), { recursive: true });
  await writeFile(join(appDir, 'dist', 'index.html'), '<!doctype html><script src="js/app.js"></script>');
  await writeFile(join(appDir, 'dist', 'js', 'app.js'), 'fetch("http://collect.tracker.test/beacon?id=1")');
  manifest = join(appDir, 'conformance.app.yaml');
  await writeFile(
    manifest,
    stringify({
      name: 'news-web',
      build: { dist: 'dist' },
      firstParty: ['news.example.test'],
      consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
      journey: [{ tap: '#article' }],
    }),
  );
});

afterAll(() => {
  if (savedHome === undefined) delete process.env['CONFORMANCE_HOME'];
  else process.env['CONFORMANCE_HOME'] = savedHome;
});

describe('signing key', () => {
  it('is made on first use with mode 0600 in a 0700 folder, and read back the same afterwards', async () => {
    const first = await loadOrCreateSigningKey();
    const paths = signingKeyPaths();
    expect((await stat(paths.privateKey)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    const again = await loadOrCreateSigningKey();
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keyFingerprint(await readPublicKey(paths.publicKey))).toBe(first.fingerprint);
  });

  it('a key readable by others is refused with CONF_SIGNING_KEY and the chmod that fixes it', async () => {
    const other = await mkdtemp(join(tmpdir(), 'integrity-home2-'));
    const env = { CONFORMANCE_HOME: other };
    await loadOrCreateSigningKey(env);
    const { chmod } = await import('node:fs/promises');
    await chmod(signingKeyPaths(env).privateKey, 0o644);
    await expect(loadOrCreateSigningKey(env)).rejects.toMatchObject({
      code: 'CONF_SIGNING_KEY',
      hint: expect.stringContaining('chmod 600'),
    });
  });

  it('a home where no key can be made is CONF_SIGNING_KEY naming the file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'integrity-file-')), 'not-a-folder');
    await writeFile(file, 'x');
    await expect(loadOrCreateSigningKey({ CONFORMANCE_HOME: file })).rejects.toMatchObject({
      code: 'CONF_SIGNING_KEY',
      message: expect.stringContaining(join(file, 'keys', 'signing.key.pem')),
    });
  });

  it('readPublicKey refuses what is not an Ed25519 public key', async () => {
    const file = join(home, 'not-a-key.pem');
    await writeFile(file, 'hello');
    await expect(readPublicKey(file)).rejects.toMatchObject({ code: 'CONF_SIGNING_KEY' });
  });
});

describe('provenance', () => {
  it('hashAppBuild: a tree hash over sorted relative paths and file hashes; a file is its SHA-256', async () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const index = '<!doctype html><script src="js/app.js"></script>';
    const app = 'fetch("http://collect.tracker.test/beacon?id=1")';
    const expected = sha(`${sha(index)}  index.html\n${sha(app)}  js/app.js\n`);
    expect(await hashAppBuild(join(appDir, 'dist'), appDir)).toEqual({ path: 'dist', kind: 'tree', sha256: expected, files: 2 });
    expect(await hashAppBuild(join(appDir, 'dist', 'index.html'), appDir)).toMatchObject({ kind: 'file', sha256: sha(index) });
  });

  it('plainConfig keeps data and drops functions and objects with behaviour', () => {
    expect(plainConfig({ a: 1, b: undefined, c: () => 1, d: { step: () => 1 }, e: ['x'], f: { g: 1 }, h: new Date(0) })).toEqual({
      a: 1,
      e: ['x'],
      f: { g: 1 },
    });
  });
});

describe('a run on fake ports: provenance, signature, CI files, verify', () => {
  let out: string;
  let result: AssessmentResult;

  beforeAll(async () => {
    out = join(await mkdtemp(join(tmpdir(), 'integrity-run-')), 'run');
    result = await assess(out);
  });

  const copy = async () => {
    const target = join(await mkdtemp(join(tmpdir(), 'integrity-copy-')), 'run');
    await cp(out, target, { recursive: true });
    return target;
  };

  it('run.json names the tool versions, the app build hash, the seed, the effective configuration and the signing key', async () => {
    const run = decodeBundleFile('run', await readFile(join(out, 'evidence', 'run.json'), 'utf8'), 'run.json');
    const key = await loadOrCreateSigningKey();
    expect(run.tools).toEqual(tools);
    expect(run.appBuild).toEqual(await hashAppBuild(join(appDir, 'dist'), appDir));
    expect(run.seed).toBe(7);
    expect(run.signing).toEqual({ algorithm: 'ed25519', publicKeyFingerprint: key.fingerprint });
    expect(run.config).toMatchObject({
      app: manifest,
      out,
      scenarios: ['idle', 'accept'],
      observationMs: 5,
      dialogTimeoutMs: 5,
      backgroundMs: 5,
      seed: 7,
      device: 'Pixel 7',
      trackers: 'default',
      failOn: 'critical',
    });
    expect(JSON.stringify(run.config)).not.toContain('progress');
  });

  it('SHA256SUMS is signed by the installation key and no private key material is in the evidence', async () => {
    const evidence = join(out, 'evidence');
    const key = await loadOrCreateSigningKey();
    const sums = await readFile(join(evidence, 'SHA256SUMS'));
    expect(signatureValid(sums, await readFile(join(evidence, 'SHA256SUMS.sig'), 'utf8'), key.publicKey)).toBe(true);
    const privatePem = await readFile(signingKeyPaths().privateKey, 'utf8');
    const secret = privatePem.split('\n')[1]!;
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(5);
    for (const entry of files) {
      const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
      expect(text, entry.name).not.toContain('PRIVATE KEY');
      expect(text, entry.name).not.toContain(secret);
    }
  });

  it('writes junit.xml and results.sarif next to report.json', async () => {
    expect(relative(out, result.junitPath)).toBe('junit.xml');
    expect(relative(out, result.sarifPath)).toBe('results.sarif');
    expect(await readFile(result.junitPath, 'utf8')).toContain('<testsuites');
    expect(JSON.parse(await readFile(result.sarifPath, 'utf8')).runs[0].results.length).toBeGreaterThan(0);
  });

  it('verify: an untouched bundle matches, with and without the key', async () => {
    const key = signingKeyPaths().publicKey;
    const plain = await verifyRunDir(out);
    expect(plain).toMatchObject({ ok: true, unlisted: [], signature: { checked: false } });
    expect(plain.files).toBeGreaterThan(5);
    expect(plain.checks).toBe(result.report.checks.length);
    const signed = await verifyRunDir(out, { key });
    expect(signed).toMatchObject({ ok: true, signature: { checked: true } });
  });

  it('verify: one changed byte names the file; a re-hashed edit passes the hashes but fails the signature', async () => {
    const dir = await copy();
    const flows = join(dir, 'evidence', 'idle', 'flows.jsonl');
    const bytes = await readFile(flows);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
    await writeFile(flows, bytes);
    const changed = await verifyRunDir(dir);
    expect(changed.ok).toBe(false);
    expect(changed.difference).toMatchObject({ kind: 'file', subject: 'evidence/idle/flows.jsonl' });
    await writeEvidenceChecksums(join(dir, 'evidence'));
    const rehashed = await verifyRunDir(dir, { key: signingKeyPaths().publicKey });
    expect(rehashed.difference).toMatchObject({ kind: 'signature', subject: 'evidence/SHA256SUMS.sig' });
  });

  it('verify: an edited verdict in report.json is named with both values', async () => {
    const dir = await copy();
    const file = join(dir, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8'));
    const failed = report.checks.find((check: { status: string }) => check.status === 'fail');
    failed.status = 'pass';
    await writeFile(file, JSON.stringify(report));
    const result2 = await verifyRunDir(dir);
    expect(result2.difference).toMatchObject({ kind: 'check', subject: failed.id });
    expect(result2.difference!.message).toBe(`check ${failed.id}: report.json says pass, the evidence gives fail`);
  });

  it('verify: an edited item status is named; a file not listed is noted; missing evidence is unusable', async () => {
    const dir = await copy();
    const file = join(dir, 'report.json');
    const report = JSON.parse(await readFile(file, 'utf8'));
    const item = report.suites[0].items.find((i: { status: string }) => i.status === 'fail');
    item.status = 'pass';
    await writeFile(file, JSON.stringify(report));
    await writeFile(join(dir, 'evidence', 'extra.txt'), 'added later');
    const verdict = await verifyRunDir(dir);
    expect(verdict.difference).toMatchObject({ kind: 'item', subject: item.id });
    expect(verdict.unlisted).toEqual(['extra.txt']);
    await rm(join(dir, 'evidence'), { recursive: true });
    await expect(verifyRunDir(dir)).rejects.toMatchObject({ code: 'CONF_BUNDLE_INVALID' });
  });

  it('verify: a bundle signed by another key fails with --key', async () => {
    const other = await mkdtemp(join(tmpdir(), 'integrity-other-'));
    const env = { CONFORMANCE_HOME: other };
    await loadOrCreateSigningKey(env);
    const mismatch = await verifyRunDir(out, { key: signingKeyPaths(env).publicKey });
    expect(mismatch.difference?.kind).toBe('signature');
  });
});

describe('the suites travel with the evidence', () => {
  it('every suite scored is copied into evidence/suites and hashed; verify re-scores against the copy when the suite folder is gone', async () => {
    const suiteDir = join(await mkdtemp(join(tmpdir(), 'integrity-suite-')), 'acme');
    await cp(join(import.meta.dirname, '..', '..', '..', 'suites', 'examples', 'acme-company-policy'), suiteDir, {
      recursive: true,
    });
    const out = join(await mkdtemp(join(tmpdir(), 'integrity-suites-')), 'run');
    const { report } = await assess(out, { suites: [suiteDir, 'eu-gdpr-eprivacy'] });
    const ids = report.suites.map((suite) => suite.id).sort();
    expect(ids).toHaveLength(2);
    expect((await readdir(join(out, 'evidence', 'suites'))).sort()).toEqual(ids.map((id) => `${id}.yaml`));
    const custom = ids.find((id) => id !== 'eu-gdpr-eprivacy')!;
    expect(await readFile(join(out, 'evidence', 'suites', `${custom}.yaml`), 'utf8')).toBe(
      await readFile(join(suiteDir, 'suite.yaml'), 'utf8'),
    );
    const sums = await readFile(join(out, 'evidence', 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`suites/${custom}.yaml`);

    // The custom suite's folder is gone (another machine): verify uses the copy in the evidence.
    await rm(suiteDir, { recursive: true });
    expect(await verifyRunDir(out)).toMatchObject({ ok: true });
    // An edited copy is an edited evidence file.
    const copyFile = join(out, 'evidence', 'suites', `${custom}.yaml`);
    await writeFile(copyFile, `${await readFile(copyFile, 'utf8')}\n# edited\n`);
    expect((await verifyRunDir(out)).difference).toMatchObject({ kind: 'file', subject: `evidence/suites/${custom}.yaml` });
  });
});

describe('waivers in a run', () => {
  it('conformance.waivers.yaml beside the manifest: a check waiver waives, an expired one is flagged, the copy travels with the evidence and verify re-derives it', async () => {
    const base = await assess(join(await mkdtemp(join(tmpdir(), 'integrity-w0-')), 'run'));
    expect(base.report.checks.find((check) => check.id === 'consent.no-third-party-before-choice')?.status).toBe('fail');
    const failedItem = base.report.suites.flatMap((suite) => suite.items).find((item) => item.status === 'fail')!;
    const waivers = stringify({
      waivers: [
        {
          check: 'consent.no-third-party-before-choice',
          host: 'tracker.test',
          reason: 'vendor fix due',
          owner: 'qa',
          expires: '2999-12-31',
        },
        { item: failedItem.id, reason: 'old', owner: 'qa', expires: '2000-01-01' },
      ],
    });
    await writeFile(join(appDir, 'conformance.waivers.yaml'), waivers);
    try {
      const out = join(await mkdtemp(join(tmpdir(), 'integrity-w1-')), 'run');
      const { report, table } = await assess(out);
      expect(report.waivers?.entries.map((entry) => entry.state)).toEqual(['active', 'expired']);
      expect(report.waivers?.entries[0]?.checks).toEqual(['consent.no-third-party-before-choice']);
      const items = report.suites.flatMap((suite) => suite.items);
      const waived = items.filter((item) => item.status === 'waived');
      expect(waived.length).toBeGreaterThan(0);
      for (const item of waived)
        expect(item.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['consent.no-third-party-before-choice']);
      expect(items.some((item) => item.status === 'pass' && item.waiver)).toBe(false);
      expect(table).toContain('EXPIRED waivers');
      expect(table).toContain(`${failedItem.id}  expired 2000-01-01`);
      expect(await readFile(join(out, 'evidence', 'waivers.yaml'), 'utf8')).toBe(waivers);
      expect(await verifyRunDir(out)).toMatchObject({ ok: true });
      // analyze applies the recorded copy by default.
      const again = await analyzeEvidence(out, join(out, 'again'));
      expect(again.report.suites.flatMap((s) => s.items).filter((i) => i.status === 'waived').length).toBe(waived.length);
    } finally {
      await rm(join(appDir, 'conformance.waivers.yaml'));
    }
  });

  it('a host-limited waiver for another host does not apply', async () => {
    const file = join(appDir, 'other-host.yaml');
    await writeFile(
      file,
      stringify({
        waivers: [
          {
            check: 'consent.no-third-party-before-choice',
            host: 'cdn.example.test',
            reason: 'r',
            owner: 'o',
            expires: '2999-01-01',
          },
        ],
      }),
    );
    const { report } = await assess(join(await mkdtemp(join(tmpdir(), 'integrity-w2-')), 'run'), { waivers: file });
    expect(report.waivers?.entries[0]).toMatchObject({ state: 'active', checks: [], items: [] });
    expect(report.suites.flatMap((suite) => suite.items).some((item) => item.status === 'waived')).toBe(false);
  });

  it('an unknown item is CONF_WAIVER_UNKNOWN naming the file and entry; a waiver file that links out of the folder is refused', async () => {
    const file = join(appDir, 'unknown.yaml');
    await writeFile(
      file,
      stringify({ waivers: [{ check: 'consent.no-third-party-before-choise', reason: 'r', owner: 'o', expires: '2999-01-01' }] }),
    );
    await expect(assess(join(appDir, 'never'), { waivers: file })).rejects.toMatchObject({
      code: 'CONF_WAIVER_UNKNOWN',
      message: expect.stringContaining(
        `${file}: waivers[0].check: no check "consent.no-third-party-before-choise" (did you mean "consent.no-third-party-before-choice"?)`,
      ),
    });
    const outside = await mkdtemp(join(tmpdir(), 'integrity-outside-'));
    await writeFile(
      join(outside, 'w.yaml'),
      stringify({ waivers: [{ check: 'gpc.honoured', reason: 'r', owner: 'o', expires: '2999-01-01' }] }),
    );
    await symlink(join(outside, 'w.yaml'), join(appDir, 'conformance.waivers.yaml'));
    try {
      await expect(assess(join(appDir, 'never'))).rejects.toMatchObject({
        code: 'CONF_WAIVER_INVALID',
        message: expect.stringContaining("leads out of the manifest's folder"),
      });
    } finally {
      await rm(join(appDir, 'conformance.waivers.yaml'));
    }
  });
});
