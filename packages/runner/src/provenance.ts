import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AppBuildHash, CommandRunner } from '@conformance/core';
import { appiumDrivers, chromiumPaths, installedVersion, processRunner } from '@conformance/driver-appium';
import { sha256File } from '@conformance/report';

/** The version each tool prints (`--version`), read the same way by run.json and `conformance doctor`. */
export const versionIn = {
  mitmproxy: (output: string) => /Mitmproxy: ([\d.]+)/.exec(output)?.[1],
  /** The Python mitmdump runs on, from its `--version`. */
  mitmproxyPython: (output: string) => /Python:\s+([\d.]+)/.exec(output)?.[1],
  python: (output: string) => /Python ([\d.]+)/.exec(output)?.[1],
  chromium: (output: string) => /(\d+\.[\d.]+)/.exec(output)?.[1],
  chromedriver: (output: string) => /ChromeDriver (\d+\.[\d.]+)/.exec(output)?.[1],
};

/**
 * The exact version of every tool an assessment depends on, by name: node, python (the one
 * mitmproxy runs on, else python3), mitmproxy, chromium, chromedriver, appium and each Appium
 * driver package. A tool that is not there is null. The same commands as `conformance doctor`.
 */
export async function probeToolVersions(
  runner: CommandRunner = processRunner,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, string | null>> {
  const output = async (command: string, args: string[]) => {
    try {
      const result = await runner.run(command, args);
      return result.code === 0 ? `${result.stdout}${result.stderr}` : '';
    } catch {
      return '';
    }
  };
  const paths = chromiumPaths(env);
  const [mitm, chromium, chromedriver, python] = await Promise.all([
    output(env['CONFORMANCE_MITMDUMP'] ?? 'mitmdump', ['--version']),
    output(paths.chromium, ['--version']),
    output(paths.chromedriver, ['--version']),
    output('python3', ['--version']),
  ]);
  const tools: Record<string, string | null> = {
    node: process.versions.node,
    python: versionIn.mitmproxyPython(mitm) ?? versionIn.python(python) ?? null,
    mitmproxy: versionIn.mitmproxy(mitm) ?? null,
    chromium: versionIn.chromium(chromium) ?? null,
    chromedriver: versionIn.chromedriver(chromedriver) ?? null,
    appium: installedVersion('appium') ?? null,
  };
  for (const name of Object.values(appiumDrivers)) tools[name] = installedVersion(name) ?? null;
  return tools;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return Promise.resolve(entry.isFile() ? [path] : []);
    }),
  );
  return nested.flat();
}

/**
 * The hash of an app build. A folder (a web dist, an unpacked .app): SHA-256 over the
 * `sha256sum` lines (`<hex>  <relative path>\n`, forward slashes) of its regular files sorted
 * by the UTF-8 bytes of the path (as `LC_ALL=C sort` does), so the same files give the same hash on any machine; symbolic links are not
 * followed. A file (.apk, .ipa): the SHA-256 of the file.
 */
export async function hashAppBuild(buildPath: string, manifestDir: string): Promise<AppBuildHash> {
  const path = relative(manifestDir, buildPath).split(sep).join('/') || '.';
  const info = await stat(buildPath);
  if (!info.isDirectory()) return { path, kind: 'file', sha256: await sha256File(buildPath), files: 1 };
  const files = (await listFiles(buildPath))
    .map((file) => ({ file, name: relative(buildPath, file).split(sep).join('/') }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const tree = createHash('sha256');
  for (const { file, name } of files) tree.update(`${await sha256File(file)}  ${name}\n`);
  return { path, kind: 'tree', sha256: tree.digest('hex'), files: files.length };
}

/** The options of a run as plain data: functions and objects with behaviour left out, undefined values dropped. */
export function plainConfig(options: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || typeof value === 'function') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) continue;
      if (Object.values(value).some((inner) => typeof inner === 'function')) continue;
    }
    config[key] = value;
  }
  return config;
}
