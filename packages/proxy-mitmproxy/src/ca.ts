import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConformanceError, ErrorCodes } from '@conformance/core';

/** Files mitmproxy keeps in its confdir. The first two hold the CA's private key. */
export const CA_FILES = {
  keyAndCert: 'mitmproxy-ca.pem',
  keyPkcs12: 'mitmproxy-ca.p12',
  certPem: 'mitmproxy-ca-cert.pem',
  certCer: 'mitmproxy-ca-cert.cer',
  certPkcs12: 'mitmproxy-ca-cert.p12',
  dhparam: 'mitmproxy-dhparam.pem',
} as const;
export const SECRET_CA_FILES: readonly string[] = [CA_FILES.keyAndCert, CA_FILES.keyPkcs12];

const LOCK = '.ca.lock';

export interface EnsureCaOptions {
  /** The mitmdump executable that generates the CA. */
  mitmdump?: string;
  /** How long to wait for another process that is generating the CA. Default 60 s. */
  timeoutMs?: number;
  /** A lock older than this is left over from a crashed process and is broken. Default 60 s. */
  staleLockMs?: number;
  /** Generates a CA into an empty folder (default: `mitmdump -n -r /dev/null --set confdir=<dir>`). */
  generate?: (dir: string) => Promise<void>;
}

/**
 * Makes sure the interception CA exists in `confDir`, generating it once even when several
 * processes start at the same moment (a lock folder serialises them; the CA is generated in a
 * private folder and moved in, key file last), and that its private-key files are 0600 and the
 * folder 0700. Returns the paths of the files.
 */
export async function ensureCa(confDir: string, options: EnsureCaOptions = {}): Promise<{ confDir: string; certPem: string }> {
  await mkdir(confDir, { recursive: true, mode: 0o700 });
  if (!(await caComplete(confDir))) {
    const generate = options.generate ?? ((dir: string) => generateWithMitmdump(options.mitmdump ?? 'mitmdump', dir));
    await withLock(confDir, options.timeoutMs ?? 60_000, options.staleLockMs ?? 60_000, async () => {
      if (await caComplete(confDir)) return;
      const scratch = await mkdtemp(join(confDir, '.ca-new-'));
      try {
        await generate(scratch);
        const made = await readdir(scratch);
        if (!made.includes(CA_FILES.keyAndCert) || !made.includes(CA_FILES.certPem)) {
          throw new ConformanceError(
            ErrorCodes.PROXY_CA,
            `generating the interception CA left no ${CA_FILES.keyAndCert} in ${scratch}`,
            {
              hint: 'run "mitmdump --version" and "conformance doctor" to check the mitmproxy installation',
            },
          );
        }
        // The key-and-certificate file is what mitmproxy looks for: it goes in last.
        for (const name of made.filter((file) => file !== CA_FILES.keyAndCert))
          await rename(join(scratch, name), join(confDir, name));
        await rename(join(scratch, CA_FILES.keyAndCert), join(confDir, CA_FILES.keyAndCert));
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }
  await restrictCaPermissions(confDir);
  return { confDir, certPem: join(confDir, CA_FILES.certPem) };
}

/** Sets the private-key files to 0600 and the folder to 0700; returns the files whose mode was changed. */
export async function restrictCaPermissions(confDir: string): Promise<string[]> {
  const changed: string[] = [];
  const folder = await stat(confDir);
  if ((folder.mode & 0o077) !== 0) {
    await chmod(confDir, 0o700);
    changed.push(confDir);
  }
  for (const name of SECRET_CA_FILES) {
    const file = join(confDir, name);
    let mode: number;
    try {
      mode = (await stat(file)).mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (mode !== 0o600) {
      await chmod(file, 0o600);
      changed.push(file);
    }
  }
  return changed;
}

async function caComplete(confDir: string): Promise<boolean> {
  try {
    await stat(join(confDir, CA_FILES.keyAndCert));
    await stat(join(confDir, CA_FILES.certPem));
    return true;
  } catch {
    return false;
  }
}

async function withLock(confDir: string, timeoutMs: number, staleMs: number, work: () => Promise<void>): Promise<void> {
  const lock = join(confDir, LOCK);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lock).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > staleMs) {
      await rmdir(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ConformanceError(
        ErrorCodes.PROXY_CA,
        `another process has been generating the interception CA in ${confDir} for too long`,
        {
          hint: `if no conformance run is active, remove ${lock} and retry`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    await work();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

function generateWithMitmdump(mitmdump: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // No server (-n) and an empty flow file to read: mitmdump creates the CA in confdir and exits.
    execFile(
      mitmdump,
      ['-q', '-n', '-r', '/dev/null', '--set', `confdir=${dir}`],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new ConformanceError(
            missing ? ErrorCodes.TOOL_MISSING : ErrorCodes.PROXY_CA,
            missing
              ? `mitmdump could not be started (${mitmdump}) to generate the interception CA`
              : `mitmdump failed to generate the interception CA: ${stderr || error.message}`,
            {
              hint: missing
                ? 'install mitmproxy (apt-get install mitmproxy, or run "npm run setup"), or set CONFORMANCE_MITMDUMP to its path'
                : 'run "conformance doctor" to check the mitmproxy installation',
              cause: error,
            },
          ),
        );
      },
    );
  });
}

/** The CA certificate in the formats devices take. Never the key. */
export interface CaExport {
  /** PEM text (browsers, `curl --cacert`, Node `ca`, iOS profile). */
  pem: string;
  /** DER bytes (Android's user store "install from storage" takes `.crt`/`.der`). */
  der: Buffer;
  /** OpenSSL's `subject_hash_old` of the certificate, 8 hex digits. */
  subjectHashOld: string;
  /** The file name Android's system store expects: `<subject_hash_old>.0`. */
  androidSystemName: string;
  sha256Fingerprint: string;
}

export async function exportCa(confDir: string): Promise<CaExport> {
  let pem: string;
  try {
    pem = await readFile(join(confDir, CA_FILES.certPem), 'utf8');
  } catch (error) {
    throw new ConformanceError(ErrorCodes.PROXY_CA, `no interception CA in ${confDir}`, {
      hint: 'start a capture once (or call ensureCa) to generate it',
      cause: error,
    });
  }
  const certificate = new X509Certificate(pem);
  const der = certificate.raw;
  const subjectHashOld = subjectHashOldOf(der);
  return {
    pem: certificate.toString(),
    der,
    subjectHashOld,
    androidSystemName: `${subjectHashOld}.0`,
    sha256Fingerprint: certificate.fingerprint256,
  };
}

/** Writes `conformance-ca.pem`, `conformance-ca.der` and `<subject_hash_old>.0` into `outDir`; returns their paths. */
export async function writeCaExports(confDir: string, outDir: string): Promise<{ pem: string; der: string; android: string }> {
  const ca = await exportCa(confDir);
  await mkdir(outDir, { recursive: true });
  const files = {
    pem: join(outDir, 'conformance-ca.pem'),
    der: join(outDir, 'conformance-ca.der'),
    android: join(outDir, ca.androidSystemName),
  };
  await writeFile(files.pem, ca.pem);
  await writeFile(files.der, ca.der);
  await writeFile(files.android, ca.pem);
  return files;
}

/**
 * OpenSSL's `X509_subject_name_hash_old`: the first four bytes of the MD5 of the DER-encoded
 * subject name, read little-endian — what `openssl x509 -subject_hash_old` prints, without openssl.
 */
export function subjectHashOldOf(certificateDer: Buffer): string {
  const digest = createHash('md5').update(subjectNameDer(certificateDer)).digest();
  return digest.readUInt32LE(0).toString(16).padStart(8, '0');
}

interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let index = 0; index < bytes; index++) length = length * 256 + der[offset + 2 + index]!;
    contentStart += bytes;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('DER element runs past the end');
  return { tag, start: offset, contentStart, end };
}

/** The subject Name of a certificate, as its exact DER bytes. */
function subjectNameDer(der: Buffer): Buffer {
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.contentStart);
  let offset = tbs.contentStart;
  const next = () => {
    const element = readTlv(der, offset);
    offset = element.end;
    return element;
  };
  let first = next();
  if (first.tag === 0xa0) first = next(); // [0] version, then the serial number
  next(); // signature algorithm
  next(); // issuer
  next(); // validity
  const subject = next();
  if (subject.tag !== 0x30) throw new Error('certificate subject is not a SEQUENCE');
  return der.subarray(subject.start, subject.end);
}
