import { access, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ConformanceError, entryUrl, ErrorCodes, parseAppManifest, type AppManifest } from '@conformance/core';

export interface LoadedManifest {
  manifest: AppManifest;
  /** Absolute path of the manifest file. */
  file: string;
  /** The manifest's text exactly as read, copied into the evidence. */
  text: string;
  /** Absolute path of the built app (web: the folder served). */
  buildPath: string;
}

/** Reads and validates an app manifest; relative paths in it are relative to its folder. */
export async function loadManifestFile(path: string): Promise<LoadedManifest> {
  const file = resolve(path);
  let text: string;
  try {
    // A named pipe or a device would block or never end: only a regular file is read.
    const info = await stat(file);
    if (!info.isFile()) {
      throw new ConformanceError(
        ErrorCodes.MANIFEST_NOT_FOUND,
        `${file} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not an app manifest`,
        { hint: 'pass the path of a conformance.app.yaml with --app' },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConformanceError(
      ErrorCodes.MANIFEST_NOT_FOUND,
      code === 'EISDIR'
        ? `${file} is a folder, not an app manifest`
        : `cannot read the app manifest ${file} (${code ?? (error as Error).message})`,
      { hint: 'pass the path of a conformance.app.yaml with --app', cause: error },
    );
  }
  const manifest = parseAppManifest(text, file);
  const buildPath = resolve(dirname(file), manifest.build.dist);
  await assertInside(buildPath, dirname(file), file);
  return { manifest, file, text, buildPath };
}

/** build.dist may not leave the manifest's folder through a symbolic link either. */
async function assertInside(path: string, folder: string, file: string): Promise<void> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return; // not built yet: assertBuilt says so
  const base = await realpath(folder);
  if (real !== base && !real.startsWith(base + sep)) {
    throw new ConformanceError(
      ErrorCodes.MANIFEST_INVALID,
      `The app manifest is invalid:\n${file}: build.dist leads out of the manifest's folder (to ${real})`,
      { hint: 'keep the built app inside the folder of conformance.app.yaml, without symbolic links out of it' },
    );
  }
}

/** Fails with a build hint when the built app (web: its entry file) is not on disk. */
export async function assertBuilt(loaded: LoadedManifest): Promise<void> {
  const { manifest, buildPath } = loaded;
  const required = manifest.platform === 'web' ? join(buildPath, decodeURIComponent(entryUrl(manifest).pathname)) : buildPath;
  try {
    await access(required);
  } catch {
    throw new ConformanceError(ErrorCodes.APP_NOT_BUILT, `the app "${manifest.name}" is not built: ${required} does not exist`, {
      hint: `build it first (for a bundled fixture: npx nx run ${manifest.name}:build), or fix build.dist in ${loaded.file}`,
    });
  }
}
