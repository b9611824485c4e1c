import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
    text = await readFile(file, 'utf8');
  } catch (error) {
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
  return { manifest, file, text, buildPath: resolve(dirname(file), manifest.build.dist) };
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
