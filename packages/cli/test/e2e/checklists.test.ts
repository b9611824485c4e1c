import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from './helpers.js';

const run = promisify(execFile);
const acme = 'packages/checks/test/fixtures/acme-policy';

// The command exactly as a person types it in the workspace root. `--no-install` only keeps
// npx from ever fetching a package of the same name from the registry if the link were missing.
const npx = (args: string[]) => run('npx', ['--no-install', 'conformance', ...args], { cwd: root });

describe('npx conformance checklists', () => {
  it('lists a suite given as a folder, with its coverage table per instrument', async () => {
    const { stdout } = await npx(['checklists', '--suite', acme]);
    expect(stdout).toContain("acme-policy — Acme's own privacy rules for its apps");
    expect(stdout).toMatch(/ACME-PRIVACY-2026\s+2026-01\s+4\s+3\s+1\s+consent\.no-personal-data-before-choice/);
    expect(stdout).toMatch(/acme-policy\.4\s+Rule 4\s+low\s+manual/);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await npx(['checklists', '--suite', acme, '--json']);
    const [suite] = JSON.parse(stdout);
    expect(suite.instruments[0]).toMatchObject({ id: 'ACME-PRIVACY-2026', automated: 3, manual: 1 });
  });

  it('exits 2 naming an unknown suite', async () => {
    const failure = await npx(['checklists', '--suite', 'no-such-suite']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('CONF_SUITE_NOT_FOUND');
  });
});
