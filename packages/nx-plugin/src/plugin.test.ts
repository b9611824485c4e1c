import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateNodesContextV2, TargetConfiguration } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFORMANCE_ENV, createNodes, createNodesV2 } from './plugin.js';

let root: string;
let context: CreateNodesContextV2;

async function app(dir: string, manifest: string, packageJson = true): Promise<string> {
  await mkdir(join(root, dir), { recursive: true });
  await writeFile(join(root, dir, 'conformance.app.yaml'), manifest);
  if (packageJson) await writeFile(join(root, dir, 'package.json'), JSON.stringify({ name: dir.split('/').pop() }));
  return `${dir}/conformance.app.yaml`;
}

async function infer(files: string[], options?: Record<string, unknown>) {
  const [glob, create] = createNodesV2;
  expect(glob).toBe('**/conformance.app.yaml');
  return create(files, options, context);
}

function target(results: Awaited<ReturnType<typeof infer>>, root: string, name = 'conformance'): TargetConfiguration {
  const entry = results.find(([, result]) => result.projects?.[root]);
  const found = entry?.[1].projects?.[root]?.targets?.[name];
  if (!found) throw new Error(`no ${name} target inferred for ${root}`);
  return found;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'conformance-nx-plugin-'));
  context = { nxJsonConfiguration: {}, workspaceRoot: root };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('createNodesV2', () => {
  it('infers one cached conformance target per manifest, named after the app, writing reports/<app>', async () => {
    const a = await app('apps/shop', 'name: shop-web\nplatform: web\nbuild: { dist: out/site/ }\nentry: /index.html\n');
    const b = await app('apps/nested/news', 'name: news\nplatform: web\nbuild: { dist: dist }\nentry: /\n');
    const results = await infer([a, b]);
    expect(results).toHaveLength(2);

    const shop = target(results, 'apps/shop');
    expect(shop.command).toBe('conformance run --app apps/shop/conformance.app.yaml --out reports/shop-web --exit-zero');
    expect(shop.dependsOn).toEqual(['build', '^build']);
    expect(shop.cache).toBe(true);
    expect(shop.outputs).toEqual(['{workspaceRoot}/reports/shop-web']);
    expect(shop.inputs).toEqual(
      expect.arrayContaining([
        '{projectRoot}/conformance.app.yaml',
        '{projectRoot}/conformance.waivers.yaml',
        '{projectRoot}/out/site/**/*',
        '{workspaceRoot}/suites/**/*',
        '^production',
        { dependentTasksOutputFiles: '**/*', transitive: true },
        { env: 'CONFORMANCE_WINDOW_MS' },
        { env: 'CONFORMANCE_SEED' },
      ]),
    );
    expect(shop.inputs).toHaveLength(6 + CONFORMANCE_ENV.length + 2);

    const news = target(results, 'apps/nested/news');
    expect(news.outputs).toEqual(['{workspaceRoot}/reports/news']);
    expect(news.inputs).toContain('{projectRoot}/dist/**/*');
  });

  it('attaches the target to the existing project, and names a project of its own only when the folder has none', async () => {
    const withPackage = await app('apps/a', 'name: alpha\nplatform: web\nbuild: { dist: dist }\n');
    const bare = await app('apps/b', 'name: beta\nplatform: web\nbuild: { dist: dist }\n', false);
    const results = await infer([withPackage, bare]);
    const projectA = results.find(([file]) => file === withPackage)?.[1].projects?.['apps/a'];
    const projectB = results.find(([file]) => file === bare)?.[1].projects?.['apps/b'];
    expect(projectA).toBeDefined();
    expect(projectA).not.toHaveProperty('name');
    expect(projectB?.name).toBe('beta');
  });

  it('honours its options: target name, build target, reports folder, exit code and extra arguments', async () => {
    const a = await app('apps/shop', 'name: shop\nplatform: web\nbuild: { dist: dist }\n');
    const results = await infer([a], {
      targetName: 'assess',
      buildTargetName: 'bundle',
      reportsDir: 'out/conformance/',
      exitZero: false,
      args: ['--window', '3000', '--scenarios', 'idle,accept', '--device', 'iPhone 15'],
    });
    const assess = target(results, 'apps/shop', 'assess');
    expect(assess.command).toBe(
      "conformance run --app apps/shop/conformance.app.yaml --out out/conformance/shop --window 3000 --scenarios idle,accept --device 'iPhone 15'",
    );
    expect(assess.dependsOn).toEqual(['bundle', '^bundle']);
    expect(assess.outputs).toEqual(['{workspaceRoot}/out/conformance/shop']);
  });

  it('a manifest that does not parse still gets its target (the run reports what is wrong), named after its folder', async () => {
    const broken = await app('apps/broken', 'name: [unclosed\n');
    const results = await infer([broken]);
    const broke = target(results, 'apps/broken');
    expect(broke.command).toBe('conformance run --app apps/broken/conformance.app.yaml --out reports/broken --exit-zero');
    expect(broke.inputs).not.toContain('{projectRoot}/dist/**/*');
  });

  it('does not let a manifest name escape the reports folder', async () => {
    const sneaky = await app('apps/sneaky', 'name: ../../etc\nplatform: web\nbuild: { dist: dist }\n');
    const results = await infer([sneaky]);
    expect(target(results, 'apps/sneaky').outputs).toEqual(['{workspaceRoot}/reports/sneaky']);
  });

  it('is exported under the name Nx 23 prefers as well', () => {
    expect(createNodes).toBe(createNodesV2);
  });
});
