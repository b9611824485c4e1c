import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveDirectory } from '@conformance/driver-appium';

/**
 * Controls of docs/SECURITY.md that are properties of the source: every production file of
 * every package is read and checked. A new file that breaks a control fails here.
 */
const root = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(path);
    return /\.(ts|js|mjs|py)$/.test(name) && !/\.test\.ts$|_test\.py$|^test_/.test(name) ? [path] : [];
  });
}

const production = readdirSync(join(root, 'packages')).flatMap((name) => {
  const dirs = ['src', 'addon', 'bin'].map((sub) => join(root, 'packages', name, sub));
  return dirs.flatMap((dir) => {
    try {
      return statSync(dir).isDirectory() ? sources(dir).filter((file) => !file.includes(`${'/'}tests${'/'}`)) : [];
    } catch {
      return [];
    }
  });
});

describe('security controls in the source', () => {
  it('reads the production sources of every package', () => {
    expect(production.length).toBeGreaterThan(100);
    expect(production.some((file) => file.endsWith('conformance_addon.py'))).toBe(true);
  });

  it('never runs a shell: processes start from an argument list, so no app data can become a command', () => {
    const offenders = production.filter((file) => {
      const text = readFileSync(file, 'utf8');
      return (
        /shell:\s*true/.test(text) ||
        /\b(exec|execSync)\s*\(/.test(text.replace(/\.exec\(/g, '')) ||
        /subprocess\.[a-z_]+\([^)]*shell\s*=\s*True/.test(text) ||
        /\bos\.system\(/.test(text)
      );
    });
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });

  it('listens on loopback only: every listener in the source binds 127.0.0.1', () => {
    const listeners = production.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\.listen\(([^)]*)\)/g)].map((match) => [relative(root, file), match[1]!]),
    );
    expect(listeners.length).toBeGreaterThan(0);
    for (const [file, args] of listeners) expect(args, file).toContain("'127.0.0.1'");
  });

  it('the static server that serves the app is reachable on 127.0.0.1', async () => {
    const server = await serveDirectory(root);
    try {
      const answer = await fetch(`http://127.0.0.1:${server.port}/package.json`);
      expect(answer.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
