import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, reportSchema, type ScenarioEvidence } from '@conformance/core';
import { makeFlow, makeScenario, mark } from '@conformance/testing';
import { describeChecklists, formatChecklists } from './checklists.js';
import { analyzeEvidence } from './reanalyze.js';
import { builtInSuitesDir, loadAttestations, loadSuiteSelection } from './suites.js';

const root = join(import.meta.dirname, '..', '..', '..');
const acme = join(root, 'packages', 'checks', 'test', 'fixtures', 'acme-policy');

async function codeOf(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    return [(error as { code: string }).code, (error as Error).message];
  }
  return ['no error', ''];
}

describe('suite selection', () => {
  it("finds the workspace's suites folder from the installed package", () => {
    expect(builtInSuitesDir()).toBe(join(root, 'suites'));
  });

  it('loads a suite given as a folder, as a file, or by its id in the built-in folder', async () => {
    const byFolder = await loadSuiteSelection({ specs: [acme] });
    expect(byFolder.map((s) => s.suite.id)).toEqual(['acme-policy']);
    const byFile = await loadSuiteSelection({ specs: [join(acme, 'suite.yaml')] });
    expect(byFile[0]!.suite.items).toHaveLength(4);
    const byId = await loadSuiteSelection({ specs: ['acme-policy'], builtInDir: join(acme, '..') });
    expect(byId[0]!.file).toBe(relative(process.cwd(), join(acme, 'suite.yaml')));
  });

  it('without --suite and without a built-in suites folder, says so instead of scoring nothing', async () => {
    const [code, message] = await codeOf(loadSuiteSelection({ builtInDir: null }));
    expect(code).toBe(ErrorCodes.SUITE_NOT_FOUND);
    expect(message).toContain('no built-in suites folder was found');
    // With suites named, a missing built-in folder does not matter.
    expect((await loadSuiteSelection({ builtInDir: null, specs: [acme] })).map((s) => s.suite.id)).toEqual(['acme-policy']);
  });

  it('every built-in suite is the default', async () => {
    const all = await loadSuiteSelection({ builtInDir: join(acme, '..') });
    expect(all.map((s) => s.suite.id)).toEqual(['acme-policy']);
  });

  it('names an unknown suite id with the closest one, and a folder without a suite', async () => {
    const [code, message] = await codeOf(loadSuiteSelection({ specs: ['acme-polcy'], builtInDir: join(acme, '..') }));
    expect(code).toBe(ErrorCodes.SUITE_NOT_FOUND);
    expect(message).toContain('unknown suite "acme-polcy" (did you mean "acme-policy"?)');
    const [folderCode] = await codeOf(loadSuiteSelection({ specs: [tmpdir()] }));
    expect(folderCode).toBe(ErrorCodes.SUITE_NOT_FOUND);
  });

  it('rejects the same suite given twice (its item ids would repeat)', async () => {
    const [code] = await codeOf(loadSuiteSelection({ specs: [acme, join(acme, 'suite.yaml')] }));
    expect(code).toBe(ErrorCodes.SUITE_INVALID);
  });
});

describe('checklists', () => {
  it('lists each instrument with its automated and manual items and the checks behind them', async () => {
    const summaries = describeChecklists(await loadSuiteSelection({ specs: [acme] }));
    expect(summaries[0]!.instruments).toEqual([
      expect.objectContaining({
        id: 'ACME-PRIVACY-2026',
        items: 4,
        automated: 3,
        manual: 1,
        checks: [
          'consent.no-personal-data-before-choice',
          'consent.no-third-party-before-choice',
          'gpc.honoured',
          'transport.tls-everywhere',
        ],
      }),
    ]);
    expect(formatChecklists(summaries)).toMatch(/acme-policy\.4\s+Rule 4\s+low\s+manual\s+-/);
  });
});

/** Writes an evidence bundle the way a run does: app.yaml, run.json, one folder per scenario. */
async function writeBundle(dir: string, scenarios: ScenarioEvidence[]): Promise<void> {
  const evidence = join(dir, 'evidence');
  await mkdir(evidence, { recursive: true });
  await writeFile(
    join(evidence, 'app.yaml'),
    [
      'name: sample-app',
      'build: { dist: dist }',
      'firstParty: [app.example.test]',
      'sdks: [{ name: Vendor Analytics, hosts: [collect.vendor.test] }]',
      'consent: { dialog: "#consent", accept: "#accept", reject: "#reject" }',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(evidence, 'run.json'),
    JSON.stringify({
      tool: { name: 'conformance', version: '0.1.0' },
      startedAt: '2026-12-01T00:00:00.000Z',
      manifest: join(evidence, 'app.yaml'),
      device: 'Pixel 7',
      // Every scenario was requested; the ones missing from the bundle leave their checks inconclusive.
      scenarios: ['idle', 'refuse', 'accept', 'withdraw', 'policy', 'gpc'],
      observationMs: 6000,
      deadlineMs: 96000,
      remote: null,
      node: process.version,
    }),
  );
  for (const scenario of scenarios) {
    const folder = join(evidence, scenario.scenario);
    await mkdir(folder);
    const { flows, tlsFailures: _tls, timeline, ...record } = scenario;
    await writeFile(join(folder, 'scenario.json'), JSON.stringify(record));
    await writeFile(join(folder, 'timeline.json'), JSON.stringify(timeline));
    const ready = { type: 'ready', v: 1, at: scenario.startedAt };
    await writeFile(join(folder, 'flows.jsonl'), [ready, ...flows].map((line) => JSON.stringify(line)).join('\n') + '\n');
  }
}

describe('analyzeEvidence --suite', () => {
  it('scores a stored bundle against a suite; the report validates against the report schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-suites-'));
    const early = makeFlow('http://collect.vendor.test/v1/loc?lat=31.230416&lng=121.473701', 800);
    await writeBundle(dir, [
      makeScenario('idle', [early]),
      makeScenario('accept', [], [mark('launch', 0), mark('consent-accept', 5000)]),
    ]);
    const attest = join(dir, 'attest.yaml');
    await writeFile(
      attest,
      'attestations:\n  - item: acme-policy.4\n    outcome: fail\n    name: Jane Doe\n    date: 2026-11-30\n    note: legal jargon throughout\n',
    );
    const result = await analyzeEvidence(dir, join(dir, 'again'), { suites: [acme], attest });
    const report = reportSchema.parse(JSON.parse(await readFile(result.reportPath, 'utf8')));
    const [suite] = report.suites;
    expect(suite!.items.map((item) => [item.id, item.status])).toEqual([
      ['acme-policy.1', 'fail'],
      ['acme-policy.2', 'fail'],
      ['acme-policy.3', 'inconclusive'],
      ['acme-policy.4', 'attested-fail'],
    ]);
    expect(suite!.items[0]!.checks.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(suite!.items[0]!.evidence[0]).toMatchObject({ kind: 'flow', flowId: early.id });
    expect(suite).toMatchObject({ score: 0, grade: 'F', coverage: 0.5 });
    expect(result.table).toMatch(/acme-policy\s+0\.0\s+F\s+50 %/);
    expect(result.table).toContain('acme-policy.1  Rule 1  [critical]  Nothing leaves before the user chooses');
    expect(result.table).toContain('acme-policy.4  Rule 4  [low]  The policy is written in plain words (attested, not observed)');
  });

  it('rejects an attestation of an item no suite of the run has', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-attest-'));
    const attest = join(dir, 'attest.yaml');
    await writeFile(attest, 'attestations:\n  - item: acme-policy.9\n    outcome: pass\n    name: J\n    date: 2026-11-30\n');
    const [code, message] = await codeOf(loadAttestations(attest, await loadSuiteSelection({ specs: [acme] })));
    expect(code).toBe(ErrorCodes.ATTESTATION_INVALID);
    expect(message).toContain('no item "acme-policy.9" in the suites of this run');
  });
});

describe('suite and attestation paths stay where they belong', () => {
  it('refuses a suite folder whose suite.yaml is a symbolic link out of it, and reads one that stays inside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-suite-link-'));
    const outside = join(dir, 'elsewhere.yaml');
    await writeFile(outside, await readFile(join(acme, 'suite.yaml'), 'utf8'));
    await mkdir(join(dir, 'linked'));
    await symlink(outside, join(dir, 'linked', 'suite.yaml'));
    const [code, message] = await codeOf(loadSuiteSelection({ specs: [join(dir, 'linked')], builtInDir: null }));
    expect(code).toBe(ErrorCodes.SUITE_INVALID);
    expect(message).toContain('leads out of its suite folder');
    // Negative control: a link inside the folder is fine.
    await mkdir(join(dir, 'inside'));
    await writeFile(join(dir, 'inside', 'real.yaml'), await readFile(join(acme, 'suite.yaml'), 'utf8'));
    await symlink(join(dir, 'inside', 'real.yaml'), join(dir, 'inside', 'suite.yaml'));
    const [suite] = await loadSuiteSelection({ specs: [join(dir, 'inside')], builtInDir: null });
    expect(suite!.suite.id).toBe('acme-policy');
  });

  it('refuses a named pipe as the attestation file at once instead of waiting on it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-attest-fifo-'));
    const fifo = join(dir, 'attest.yaml');
    execFileSync('mkfifo', [fifo]);
    const [code, message] = await codeOf(loadAttestations(fifo, await loadSuiteSelection({ specs: [acme] })));
    expect(code).toBe(ErrorCodes.ATTESTATION_INVALID);
    expect(message).toContain('not a regular file');
  });
});
