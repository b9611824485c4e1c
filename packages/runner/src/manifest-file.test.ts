import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { loadManifestFile } from './manifest-file.js';

const manifest = (dist: string) =>
  `name: sample\nbuild: { dist: ${dist} }\nfirstParty: [app.example.test]\nconsent: { dialog: "#c", accept: "#a" }\n`;

async function rejection(path: string): Promise<ConformanceError> {
  const error = await loadManifestFile(path).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ConformanceError)) throw new Error(`expected a ConformanceError, got ${String(error)}`);
  return error;
}

describe('loadManifestFile', () => {
  it('refuses a named pipe at once instead of waiting for it to be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    const fifo = join(dir, 'conformance.app.yaml');
    execFileSync('mkfifo', [fifo]);
    const error = await rejection(fifo);
    expect(error.code).toBe(ErrorCodes.MANIFEST_NOT_FOUND);
    expect(error.message).toContain('is not a regular file');
  });

  it('refuses a folder given as the manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    expect((await rejection(dir)).message).toContain('is a folder');
  });

  it('refuses a build folder that leads out of the manifest folder through a symbolic link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    await symlink('/etc', join(dir, 'dist'));
    await writeFile(join(dir, 'conformance.app.yaml'), manifest('dist'));
    const error = await rejection(join(dir, 'conformance.app.yaml'));
    expect(error.code).toBe(ErrorCodes.MANIFEST_INVALID);
    expect(error.message).toContain('build.dist leads out of the manifest');
  });

  it('accepts a build folder inside the manifest folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    await mkdir(join(dir, 'out', 'web'), { recursive: true });
    await writeFile(join(dir, 'conformance.app.yaml'), manifest('out/web'));
    expect((await loadManifestFile(join(dir, 'conformance.app.yaml'))).buildPath).toBe(join(dir, 'out', 'web'));
  });
});
