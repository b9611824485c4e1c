// @ts-check
// Plain JavaScript on purpose: Nx loads its plugins before anything in the workspace is
// built, and on Node 20 it can run TypeScript only through a transpiler this workspace
// does not install. The build target type-checks this file (checkJs).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { createNodesFromFiles } from '@nx/devkit';
import { parse } from 'yaml';

/** @typedef {import('@nx/devkit').CreateNodesV2<ConformancePluginOptions>} CreateNodesV2 */
/** @typedef {import('@nx/devkit').CreateNodesContextV2} CreateNodesContext */
/** @typedef {import('@nx/devkit').CreateNodesResult} CreateNodesResult */
/** @typedef {import('@nx/devkit').TargetConfiguration} TargetConfiguration */

/**
 * @typedef {object} ConformancePluginOptions
 * @property {string} [targetName] name of the inferred target (default `conformance`)
 * @property {string} [buildTargetName] the app's build target the assessment depends on (default `build`)
 * @property {string} [reportsDir] folder, relative to the workspace root, that receives `<app>/` (default `reports`)
 * @property {boolean} [exitZero] pass `--exit-zero`, so failing checks still give a cached result (default `true`)
 * @property {string[]} [args] more `conformance run` arguments for every app, e.g. `['--window', '3000']`
 */

/** Environment variables `conformance run` reads: each changes the result, so each is an input. */
export const CONFORMANCE_ENV = [
  'CONFORMANCE_WINDOW_MS',
  'CONFORMANCE_DEVICE',
  'CONFORMANCE_DEVICE_SERIAL',
  'CONFORMANCE_BASELINE',
  'CONFORMANCE_REMOTE',
  'CONFORMANCE_PROXY_ADDRESS',
  'CONFORMANCE_PROXY_ENGINE',
  'CONFORMANCE_SEED',
  'CONFORMANCE_HOME',
  'CONFORMANCE_CHROMIUM',
  'CONFORMANCE_CHROMEDRIVER',
  'CONFORMANCE_MITMDUMP',
  'CONFORMANCE_MITMPROXY_PYTHON',
  'CONFORMANCE_WAIVERS',
  'CONFORMANCE_FAIL_ON',
];

export const MANIFEST_GLOB = '**/conformance.app.yaml';

/**
 * The few manifest fields the target needs. The manifest is validated by `conformance run`
 * itself (with a precise error); here a manifest that does not parse still gets its target,
 * so the run, not the project graph, reports what is wrong with it.
 * @param {string} file absolute path of the manifest
 * @returns {{ name: string | undefined, dist: string | undefined }}
 */
export function readManifestFields(file) {
  try {
    const data = parse(readFileSync(file, 'utf8'));
    const name = typeof data?.name === 'string' && /^[a-z0-9][a-z0-9._-]*$/.test(data.name) ? data.name : undefined;
    const dist = typeof data?.build?.dist === 'string' ? data.build.dist : undefined;
    return { name, dist };
  } catch {
    return { name: undefined, dist: undefined };
  }
}

/**
 * The inferred target of one app.
 * @param {string} manifestPath workspace-relative path of the manifest (POSIX separators)
 * @param {ConformancePluginOptions} options
 * @param {string} workspaceRoot
 * @returns {CreateNodesResult}
 */
export function conformanceNodes(manifestPath, options, workspaceRoot) {
  const projectRoot = posix.dirname(manifestPath);
  const absoluteRoot = join(workspaceRoot, projectRoot);
  const { name, dist } = readManifestFields(join(workspaceRoot, manifestPath));
  const app = name ?? basename(absoluteRoot);
  const reportsDir = (options.reportsDir ?? 'reports').replace(/\/+$/, '');
  const out = `${reportsDir}/${app}`;
  const buildTarget = options.buildTargetName ?? 'build';
  const args = [
    'run',
    '--app',
    manifestPath,
    '--out',
    out,
    ...(options.exitZero === false ? [] : ['--exit-zero']),
    ...(options.args ?? []),
  ];
  /** @type {TargetConfiguration} */
  const target = {
    command: `conformance ${args.map(quote).join(' ')}`,
    dependsOn: [buildTarget, `^${buildTarget}`],
    inputs: [
      '{projectRoot}/conformance.app.yaml',
      // Waivers change the item verdicts of the report (waived), so they are part of the hash.
      '{projectRoot}/conformance.waivers.yaml',
      ...(dist ? [`{projectRoot}/${dist.replace(/^\.\//, '').replace(/\/+$/, '')}/**/*`] : []),
      '{workspaceRoot}/suites/**/*',
      // The harness (CLI, runner, analyzer, checks, drivers, the proxy addon) as sources,
      // and whatever the dependencies' builds wrote (the app's bundle, the harness's dist).
      '^production',
      { dependentTasksOutputFiles: '**/*', transitive: true },
      ...CONFORMANCE_ENV.map((env) => ({ env })),
      // The browser and the proxy are part of what is measured.
      { runtime: 'chromium --version 2>/dev/null || echo no-chromium' },
      { runtime: 'mitmdump --version 2>/dev/null | head -n 1 || echo no-mitmdump' },
    ],
    outputs: [`{workspaceRoot}/${out}`],
    cache: true,
    metadata: {
      description: `Assess ${app} with conformance (report in ${out}/)`,
      technologies: ['conformance'],
    },
  };
  const hasProjectFile = ['project.json', 'package.json'].some((file) => existsSync(join(absoluteRoot, file)));
  return {
    projects: {
      [projectRoot]: {
        root: projectRoot,
        ...(hasProjectFile ? {} : { name: app }),
        targets: { [options.targetName ?? 'conformance']: target },
      },
    },
  };
}

/** @param {string} arg */
function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** @type {CreateNodesV2} */
export const createNodesV2 = [
  MANIFEST_GLOB,
  (manifests, options, context) =>
    createNodesFromFiles(
      (file, opts, ctx) => conformanceNodes(file, opts ?? {}, ctx.workspaceRoot),
      manifests,
      options ?? {},
      context,
    ),
];

/** The same pair under the name Nx 23 prefers. */
export const createNodes = createNodesV2;
