import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { certificationSchema, ConformanceError, ErrorCodes } from '@conformance/core';
import { deviceProfile } from '@conformance/driver-appium';
import { createFakeProxy, createFakeSession, makeFlow, type FakeProxy } from '@conformance/testing';
import { runCertification, type CertifyTools } from './certify.js';
import type { AssessmentPorts } from './ports.js';

const controls = ['~consent', '~accept', '~reject', '~article'];

/**
 * Fake ports whose app reads the configuration its fake build wrote: with `{ leaky: true }` it
 * calls a tracker at launch, before any choice; otherwise only its own host.
 */
function fakePorts(): AssessmentPorts {
  let proxy: FakeProxy | undefined;
  return {
    startProxy: async ({ journalPath }) => (proxy = await createFakeProxy(journalPath)),
    deviceProfile: async () => deviceProfile('Pixel 7', '156'),
    openDevice: async ({ buildPath }) => {
      const options = JSON.parse(await readFile(join(buildPath, 'options.json'), 'utf8')) as { leaky?: boolean };
      return {
        url: 'https://host.example.test/index.html',
        serve: {},
        canaries: [],
        async openSession() {
          const device = createFakeSession({ displayed: controls });
          const launch = device.launch.bind(device);
          return {
            ...device,
            async launch(target) {
              await launch(target);
              const now = Date.now();
              await proxy!.record(makeFlow('https://host.example.test/index.html', 0, { startedAt: now, completedAt: now }));
              if (options.leaky) {
                await proxy!.record(
                  makeFlow('https://collect.tracker.test/hit', 0, { startedAt: now + 1, completedAt: now + 2 }),
                );
              }
            },
          };
        },
        close: async () => undefined,
      };
    },
  };
}

function fakeTools(fail?: string) {
  const builds: Record<string, string>[] = [];
  const tools: CertifyTools = {
    async installSdk({ packageName, version, cacheDir }) {
      if (version === fail)
        throw new ConformanceError(ErrorCodes.CERTIFY_INSTALL, `npm could not install ${packageName}@${version}`);
      return {
        packageDir: join(cacheDir, `${packageName}@${version}`),
        installed: { version, integrity: 'sha512-x', resolved: null },
      };
    },
    async buildHost({ env }) {
      builds.push(env);
      await mkdir(env['CERTIFY_OUT']!, { recursive: true });
      await writeFile(join(env['CERTIFY_OUT']!, 'index.html'), '<!doctype html>');
      await writeFile(join(env['CERTIFY_OUT']!, 'options.json'), env['CERTIFY_OPTIONS']!);
    },
  };
  return { tools, builds };
}

async function matrixWithHosts(versions: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'certify-'));
  for (const host of ['news', 'shop']) {
    await mkdir(join(dir, host));
    await writeFile(join(dir, host, 'package.json'), JSON.stringify({ name: host, scripts: { build: 'true' } }));
    await writeFile(
      join(dir, host, 'conformance.app.yaml'),
      stringify({
        name: host,
        build: { dist: 'dist' },
        firstParty: ['host.example.test'],
        consent: { dialog: '~consent', accept: '~accept', reject: '~reject' },
        journey: [{ tap: '~article' }],
      }),
    );
  }
  const matrix = join(dir, 'certify.yaml');
  await writeFile(
    matrix,
    stringify({
      sdk: { name: 'Tracker', package: '@acme/tracker', versions },
      hosts: ['news', 'shop/conformance.app.yaml'],
      configurations: [
        { name: 'default', options: { leaky: false } },
        { name: 'leaky', options: { leaky: true }, positiveControl: true },
      ],
      scenarios: ['idle', 'accept'],
      checks: ['consent.no-third-party-before-choice'],
      window: 5,
    }),
  );
  return { dir, matrix };
}

describe('runCertification on fake ports', () => {
  it('builds every host per version and configuration into its cell and certifies when only the positive control fails', async () => {
    const { dir, matrix } = await matrixWithHosts(['1.0.0', '2.0.0']);
    const { tools, builds } = fakeTools();
    const out = join(dir, 'out');
    const result = await runCertification(
      { matrix, out, sdkCache: join(dir, 'cache'), backgroundMs: 5, scenarioConcurrency: 1 },
      fakePorts(),
      tools,
    );
    expect(certificationSchema.safeParse(result.certification).success).toBe(true);
    expect(
      result.certification.cells.map((cell) => `${cell.version} ${cell.host} ${cell.configuration} ${cell.verdict}`),
    ).toEqual([
      '1.0.0 news default pass',
      '1.0.0 news leaky fail',
      '1.0.0 shop default pass',
      '1.0.0 shop leaky fail',
      '2.0.0 news default pass',
      '2.0.0 news leaky fail',
      '2.0.0 shop default pass',
      '2.0.0 shop leaky fail',
    ]);
    expect(builds[1]).toEqual({
      CERTIFY_SDK_PACKAGE: '@acme/tracker',
      CERTIFY_SDK_VERSION: '1.0.0',
      CERTIFY_SDK_DIR: join(dir, 'cache', '@acme/tracker@1.0.0'),
      CERTIFY_OPTIONS: '{"leaky":true}',
      CERTIFY_OUT: join(out, 'cells', '1.0.0', 'news', 'leaky', 'dist'),
    });
    expect(result.certification.verdict).toBe('certified');
    expect(result.certification.versions[1]!.statements).toContain(
      '`default` contacts no third party before consent in 2/2 host apps',
    );
    expect(JSON.parse(await readFile(join(out, 'cells', '2.0.0', 'shop', 'leaky', 'report.json'), 'utf8')).app.name).toBe('shop');
    expect(await readFile(result.markdownPath, 'utf8')).toContain('## @acme/tracker 2.0.0: certified');
  });

  it('a version that does not install leaves its cells in error and its certification unproven; the other version is still assessed', async () => {
    const { dir, matrix } = await matrixWithHosts(['1.0.0', '9.9.9']);
    const result = await runCertification(
      { matrix, out: join(dir, 'out'), sdkCache: join(dir, 'cache'), backgroundMs: 5, scenarioConcurrency: 1 },
      fakePorts(),
      fakeTools('9.9.9').tools,
    );
    const broken = result.certification.cells.filter((cell) => cell.version === '9.9.9');
    expect(broken.map((cell) => [cell.verdict, cell.error?.code])).toEqual(Array(4).fill(['error', 'CONF_CERTIFY_INSTALL']));
    expect(result.certification.versions.map((version) => [version.version, version.verdict, version.installed])).toEqual([
      ['1.0.0', 'certified', { version: '1.0.0', integrity: 'sha512-x', resolved: null }],
      ['9.9.9', 'unproven', null],
    ]);
    expect(result.certification.verdict).toBe('unproven');
  });

  it('refuses a host folder without a build script, naming the matrix', async () => {
    const { dir, matrix } = await matrixWithHosts(['1.0.0']);
    await writeFile(join(dir, 'news', 'package.json'), JSON.stringify({ name: 'news' }));
    await expect(runCertification({ matrix, out: join(dir, 'out') }, fakePorts(), fakeTools().tools)).rejects.toThrow(
      `${matrix}: hosts: ${join(dir, 'news')} has no package.json with a "build" script`,
    );
  });
});
