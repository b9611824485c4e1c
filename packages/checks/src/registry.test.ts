import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIds, scenarioNames, severities } from '@conformance/core';
import { allChecks } from './registry.js';
import { loadSuites, type SuiteSource } from './suite-loader.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every suite file in the workspace: the built-in suites and the test fixtures, found at test time. */
function suiteFiles(): SuiteSource[] {
  const folders = [join(root, 'suites'), join(import.meta.dirname, '..', 'test', 'fixtures')];
  return folders.flatMap((folder) =>
    readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(folder, entry.name, 'suite.yaml')))
      .map((entry) => {
        const file = join(folder, entry.name, 'suite.yaml');
        return { text: readFileSync(file, 'utf8'), file: relative(root, file) };
      }),
  );
}

describe('check registry', () => {
  it('registers each id of checkIds exactly once, and nothing else', () => {
    const ids = allChecks.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...checkIds].sort());
  });

  it('every check declares a severity, the scenarios it needs and the platforms it can judge', () => {
    for (const check of allChecks) {
      expect(severities, check.id).toContain(check.severity);
      expect(check.scenarios.length, check.id).toBeGreaterThan(0);
      for (const name of check.scenarios) expect(scenarioNames, check.id).toContain(name);
      expect(check.platforms.length, check.id).toBeGreaterThan(0);
    }
  });

  it('every suite in the workspace loads, with ids unique across suites, and cites only registered checks', () => {
    const sources = suiteFiles();
    expect(sources.map((source) => source.file)).toContain('packages/checks/test/fixtures/acme-policy/suite.yaml');
    const loaded = loadSuites(sources);
    const registered = new Set<string>(allChecks.map((check) => check.id));
    for (const { suite, file } of loaded) {
      expect(relative(root, file).split('/').at(-2), `${file}: the suite id is its folder name`).toBe(suite.id);
      for (const item of suite.items) {
        for (const id of item.checks) expect(registered.has(id), `${file}: ${item.id} cites ${id}`).toBe(true);
      }
    }
  });
});
