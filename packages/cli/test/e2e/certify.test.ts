import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificationSchema, type Certification } from '@conformance/core';
import { npx, readReport, root } from './helpers.js';

/**
 * `npx conformance certify --matrix …` with a real SDK from the npm registry: two published
 * versions of countly-sdk-web, installed into isolated folders, bundled into two host apps
 * (fixtures/apps/certify-host-*), each with two configurations; every cell a real assessment.
 * One scenario (idle) and a short window keep it short: a failure of the covered checks is
 * observed there (a pass needs accept as well, which the unproven case runs).
 */
const VERSIONS = ['26.1.1', '24.4.1'];
const HOSTS = ['certify-host-news', 'certify-host-shop'];
const CHECKS = ['consent.no-personal-data-before-choice', 'consent.no-identifier-before-choice'];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-certify-'));
});

async function certify(name: string, matrix: string) {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, matrix);
  const out = join(work, name);
  const result = await npx([
    'conformance',
    'certify',
    '--matrix',
    file,
    '--out',
    out,
    '--sdk-cache',
    join(work, 'sdks'),
    '--parallel',
    '2',
  ]);
  const certification: Certification = certificationSchema.parse(
    JSON.parse(await readFile(join(out, 'certification.json'), 'utf8')),
  );
  return { result, out, certification, markdown: await readFile(join(out, 'certification.md'), 'utf8') };
}

const hostList = (hosts: string[]) => hosts.map((host) => `  - ${join(root, 'fixtures', 'apps', host)}`).join('\n');

describe('npx conformance certify', () => {
  it('certifies 2 versions × 2 host apps with a positive control: the control fails everywhere, the statements count the host apps', async () => {
    const { result, out, certification, markdown } = await certify(
      'matrix',
      `sdk:
  name: Countly
  package: countly-sdk-web
  versions: [${VERSIONS.map((version) => `'${version}'`).join(', ')}]
hosts:
${hostList(HOSTS)}
configurations:
  - name: require-consent
    options: { init: { require_consent: true } }
  - name: no-consent
    options: { init: { require_consent: false } }
    positiveControl: true
scenarios: [idle]
checks: [${CHECKS.join(', ')}]
window: 1500
`,
    );
    expect(certification.cells).toHaveLength(8);
    for (const cell of certification.cells) {
      // Every cell assessed the version it names: Countly reports its own version in each request.
      const report = await readReport(join(out, cell.folder));
      expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([['idle', 'completed']]);
      const flows = await readFile(join(out, cell.folder, 'evidence', 'idle', 'flows.jsonl'), 'utf8');
      expect(flows, cell.folder).toContain(`sdk_version=${cell.version}`);
      expect(flows).not.toContain(`sdk_version=${VERSIONS.find((version) => version !== cell.version)}`);
    }
    // The positive control (no consent requirement) sends the device id before any choice in every host.
    for (const cell of certification.cells.filter((candidate) => candidate.positiveControl)) {
      expect(cell.verdict, cell.folder).toBe('fail');
      expect(cell.checks['consent.no-identifier-before-choice']).toBe('fail');
    }
    // require_consent still sends the server-config request and an empty location with the
    // device id before any choice (fixtures/apps/countly-require-consent/README.md), in both versions.
    for (const cell of certification.cells.filter((candidate) => !candidate.positiveControl)) {
      expect(cell.checks, cell.folder).toEqual({
        'consent.no-personal-data-before-choice': 'fail',
        'consent.no-identifier-before-choice': 'fail',
      });
    }
    expect(
      certification.versions.map((version) => [
        version.version,
        version.installed?.version,
        version.positiveControlProven,
        version.verdict,
      ]),
    ).toEqual([
      ['26.1.1', '26.1.1', true, 'failed'],
      ['24.4.1', '24.4.1', true, 'failed'],
    ]);
    expect(certification.versions[0]!.installed?.integrity).toMatch(/^sha512-/);
    expect(certification.versions[0]!.statements).toContain(
      '`require-consent` sends no personal data before consent in 0/2 host apps',
    );
    expect(certification.verdict).toBe('failed');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('countly-sdk-web: failed');
    expect(markdown).toContain('## countly-sdk-web 24.4.1: failed');
    // One Appium server for all cells, started once.
    expect(result.stderr.match(/starting Appium/g)).toHaveLength(1);
  });

  it('marks the certification unproven when the positive control produces no finding', async () => {
    const { result, certification, markdown } = await certify(
      'unproven',
      `sdk: { name: Countly, package: countly-sdk-web, versions: ['26.1.1'] }
hosts:
${hostList(['certify-host-news'])}
configurations:
  - name: require-consent
    options: { init: { require_consent: true } }
  # claims to violate the statement, but the host never calls the SDK
  - name: never-started
    options: { start: false, init: { require_consent: false } }
    positiveControl: true
scenarios: [idle, accept]
checks: [${CHECKS.join(', ')}]
window: 1500
`,
    );
    const control = certification.cells.find((cell) => cell.positiveControl)!;
    expect(control.checks).toEqual({
      'consent.no-personal-data-before-choice': 'pass',
      'consent.no-identifier-before-choice': 'pass',
    });
    expect(certification.versions[0]).toMatchObject({ positiveControlProven: false, verdict: 'unproven' });
    expect(certification.verdict).toBe('unproven');
    expect(certification.versions[0]!.statements).toContain(
      'positive control `never-started` failed a covered check in 0/1 host apps: the certification of this version is unproven',
    );
    expect(markdown).toContain('**unproven**');
    expect(result.code, result.stderr).toBe(2);
  });

  it('refuses a matrix without a positive control, naming the file', async () => {
    const file = join(work, 'no-control.yaml');
    await writeFile(
      file,
      `sdk: { name: Countly, package: countly-sdk-web, versions: ['26.1.1'] }\nhosts: [${join(root, 'fixtures', 'apps', 'certify-host-news')}]\nconfigurations:\n  - { name: a }\n  - { name: b }\n`,
    );
    const result = await npx(['conformance', 'certify', '--matrix', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error [CONF_USAGE]: The certification matrix is invalid:\n${file}: configurations: no configuration is a positive control`,
    );
  });
});
