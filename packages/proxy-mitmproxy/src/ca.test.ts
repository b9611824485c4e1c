import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@conformance/core';
import { CA_FILES, ensureCa, exportCa, restrictCaPermissions, subjectHashOldOf, writeCaExports } from './ca.js';

// A self-signed certificate made with openssl; `openssl x509 -noout -subject_hash_old` prints f9455712.
const FIXTURE_PEM = `-----BEGIN CERTIFICATE-----
MIIBtTCCAVugAwIBAgIUDA17VF+HrXhxioq9wA3u34LOdfMwCgYIKoZIzj0EAwIw
MDEZMBcGA1UECgwQY29uZm9ybWFuY2UgdGVzdDETMBEGA1UEAwwKZml4dHVyZSBD
QTAeFw0yNjExMjMxNjQ3MTBaFw0zNjExMjAxNjQ3MTBaMDAxGTAXBgNVBAoMEGNv
bmZvcm1hbmNlIHRlc3QxEzARBgNVBAMMCmZpeHR1cmUgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARmda+xjQHVO8NBmQpJZKCHa0wWkRH2B0qdLHQdH+FwCmbf
lDr29itt/7c1hqTSZ0kSrgErwLKcC5B8zaD3DVWpo1MwUTAdBgNVHQ4EFgQUnG64
IoE+y1WjFPrf/fAnUItfjIYwHwYDVR0jBBgwFoAUnG64IoE+y1WjFPrf/fAnUItf
jIYwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBe6gCUBSjQ10Gz
7bh/8eQkAFGemjFSIweDaSZKu3hCkAIhAN1JMtwFuuiaM2k42sGXCd2GojUTfSAx
qHmDQuSgtU2j
-----END CERTIFICATE-----
`;

/** Stands in for mitmdump: writes a CA the way mitmproxy lays it out (key file world-readable on purpose). */
function fakeGenerator(calls: { count: number }) {
  return async (dir: string) => {
    calls.count++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writeFile(join(dir, CA_FILES.certPem), FIXTURE_PEM);
    await writeFile(join(dir, CA_FILES.keyAndCert), `KEY\n${FIXTURE_PEM}`, { mode: 0o644 });
    await writeFile(join(dir, CA_FILES.keyPkcs12), 'P12', { mode: 0o644 });
  };
}

describe('subjectHashOldOf', () => {
  it('matches openssl x509 -subject_hash_old', () => {
    expect(subjectHashOldOf(new X509Certificate(FIXTURE_PEM).raw)).toBe('f9455712');
  });

  it('differs when the subject differs', () => {
    const der = Buffer.from(new X509Certificate(FIXTURE_PEM).raw);
    const at = der.indexOf(Buffer.from('fixture CA'), der.indexOf(Buffer.from('fixture CA')) + 1);
    der.write('fixture CB', at);
    expect(subjectHashOldOf(der)).not.toBe('f9455712');
  });

  it('refuses bytes that are not a certificate', () => {
    expect(() => subjectHashOldOf(Buffer.from([0x30, 0x82, 0xff, 0xff]))).toThrow(/past the end/);
  });
});

describe('ensureCa', () => {
  it('generates the CA once when several starts race in an empty folder, and locks the key down', async () => {
    const confDir = join(await mkdtemp(join(tmpdir(), 'ca-')), 'mitmproxy');
    const calls = { count: 0 };
    await Promise.all(Array.from({ length: 4 }, () => ensureCa(confDir, { generate: fakeGenerator(calls) })));
    expect(calls.count).toBe(1);
    expect((await stat(join(confDir, CA_FILES.keyAndCert))).mode & 0o777).toBe(0o600);
    expect((await stat(join(confDir, CA_FILES.keyPkcs12))).mode & 0o777).toBe(0o600);
    expect((await stat(confDir)).mode & 0o777).toBe(0o700);
    expect((await readdir(confDir)).sort()).toEqual([CA_FILES.keyAndCert, CA_FILES.keyPkcs12, CA_FILES.certPem].sort());
  });

  it('breaks a lock left behind by a crashed process', async () => {
    const confDir = await mkdtemp(join(tmpdir(), 'ca-'));
    await mkdir(join(confDir, '.ca.lock'));
    const calls = { count: 0 };
    await ensureCa(confDir, { generate: fakeGenerator(calls), staleLockMs: 0 });
    expect(calls.count).toBe(1);
  });

  it('gives up with CONF_PROXY_CA when another process holds the lock too long', async () => {
    const confDir = await mkdtemp(join(tmpdir(), 'ca-'));
    await mkdir(join(confDir, '.ca.lock'));
    await expect(ensureCa(confDir, { generate: fakeGenerator({ count: 0 }), timeoutMs: 200 })).rejects.toMatchObject({
      code: ErrorCodes.PROXY_CA,
      hint: expect.stringContaining('.ca.lock'),
    });
  });

  it('fails with CONF_PROXY_CA when the generator leaves no CA, and leaves no scratch folder', async () => {
    const confDir = await mkdtemp(join(tmpdir(), 'ca-'));
    await expect(ensureCa(confDir, { generate: async () => undefined })).rejects.toMatchObject({ code: ErrorCodes.PROXY_CA });
    expect(await readdir(confDir)).toEqual([]);
  });

  it('re-tightens key files loosened after creation', async () => {
    const confDir = await mkdtemp(join(tmpdir(), 'ca-'));
    await ensureCa(confDir, { generate: fakeGenerator({ count: 0 }) });
    await chmod(join(confDir, CA_FILES.keyAndCert), 0o644);
    expect(await restrictCaPermissions(confDir)).toEqual([join(confDir, CA_FILES.keyAndCert)]);
    expect(await restrictCaPermissions(confDir)).toEqual([]);
  });
});

describe('exportCa', () => {
  it('gives PEM, DER and the Android system-store name, never the key', async () => {
    const confDir = await mkdtemp(join(tmpdir(), 'ca-'));
    await ensureCa(confDir, { generate: fakeGenerator({ count: 0 }) });
    const ca = await exportCa(confDir);
    expect(ca.androidSystemName).toBe('f9455712.0');
    expect(ca.der.equals(new X509Certificate(FIXTURE_PEM).raw)).toBe(true);
    const out = join(confDir, 'out');
    const files = await writeCaExports(confDir, out);
    expect(files.android).toBe(join(out, 'f9455712.0'));
    expect((await readdir(out)).sort()).toEqual(['conformance-ca.der', 'conformance-ca.pem', 'f9455712.0']);
  });

  it('says how to get a CA when there is none', async () => {
    await expect(exportCa(await mkdtemp(join(tmpdir(), 'ca-')))).rejects.toMatchObject({ code: ErrorCodes.PROXY_CA });
  });
});
