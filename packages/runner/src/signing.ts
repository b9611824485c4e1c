import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { conformanceHome } from '@conformance/proxy-mitmproxy';

/**
 * The installation's signing key: one Ed25519 key pair per `$CONFORMANCE_HOME`, made with
 * node:crypto on first use. The private key is `keys/signing.key.pem` (mode 0600, in a 0700
 * folder) and never leaves that folder: a run copies nothing of it into the evidence, it only
 * signs `SHA256SUMS` with it and records the public key's fingerprint in run.json.
 * `conformance keys export` prints the public key for whoever verifies bundles.
 */
export function signingKeyPaths(env: NodeJS.ProcessEnv = process.env): { dir: string; privateKey: string; publicKey: string } {
  const dir = join(conformanceHome(env), 'keys');
  return { dir, privateKey: join(dir, 'signing.key.pem'), publicKey: join(dir, 'signing.pub.pem') };
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key in PEM (SPKI), as `keys export` prints it. */
  publicPem: string;
  /** `sha256:<hex>` over the DER of the public key. */
  fingerprint: string;
}

/** `sha256:<hex>` of a public key's DER (SPKI) encoding. */
export function keyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

/** Reads the installation's key, or makes it when there is none yet. */
export async function loadOrCreateSigningKey(env: NodeJS.ProcessEnv = process.env): Promise<SigningKey> {
  const paths = signingKeyPaths(env);
  let pem: string;
  try {
    const info = await stat(paths.privateKey);
    if ((info.mode & 0o077) !== 0) {
      throw new ConformanceError(
        ErrorCodes.SIGNING_KEY,
        `the signing key ${paths.privateKey} can be read by other users (mode ${(info.mode & 0o777).toString(8)})`,
        { hint: `chmod 600 ${paths.privateKey}` },
      );
    }
    pem = await readFile(paths.privateKey, 'utf8');
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw keyError(paths.privateKey, error);
    pem = await createKey(paths);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw keyError(paths.privateKey, error);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw keyError(paths.privateKey, new Error('not an Ed25519 key'));
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, publicPem, fingerprint: keyFingerprint(publicKey) };
}

async function createKey(paths: ReturnType<typeof signingKeyPaths>): Promise<string> {
  const pair = generateKeyPairSync('ed25519');
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw keyError(paths.privateKey, error);
  }
  try {
    // 'wx': two runs starting at once never overwrite each other's key; the loser reads the winner's.
    await writeFile(paths.privateKey, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(paths.privateKey, 'utf8');
    throw keyError(paths.privateKey, error);
  }
  await chmod(paths.privateKey, 0o600);
  await writeFile(paths.publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
  return pem;
}

function keyError(file: string, cause: unknown): ConformanceError {
  return new ConformanceError(ErrorCodes.SIGNING_KEY, `cannot use the signing key ${file} (${(cause as Error).message})`, {
    hint: 'move the file away to have a new key made on the next run (bundles signed with the old key then verify only with its exported public key)',
    cause,
  });
}

/** The Ed25519 signature of `data`, in base64. */
export function signData(data: Buffer, key: SigningKey): string {
  return sign(null, data, key.privateKey).toString('base64');
}

/** Reads a public key PEM given to `verify --key`; CONF_SIGNING_KEY when it is not an Ed25519 public key. */
export async function readPublicKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPublicKey(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConformanceError(ErrorCodes.SIGNING_KEY, `${file} is not a readable public key PEM (${(error as Error).message})`, {
      hint: 'give the file "conformance keys export" printed on the installation that made the bundle',
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConformanceError(ErrorCodes.SIGNING_KEY, `${file} is a ${key.asymmetricKeyType} key, not Ed25519`, {
      hint: 'give the file "conformance keys export" printed on the installation that made the bundle',
    });
  }
  return key;
}

/** Whether `signature` (base64) is a valid Ed25519 signature of `data` by `publicKey`. */
export function signatureValid(data: Buffer, signature: string, publicKey: KeyObject): boolean {
  const bytes = Buffer.from(signature.trim(), 'base64');
  if (bytes.length !== 64) return false;
  try {
    return verify(null, data, publicKey, bytes);
  } catch {
    return false;
  }
}
