import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  ConformanceError,
  ErrorCodes,
  errorToData,
  parseCertifyMatrix,
  type Certification,
  type CertificationCell,
  type Platform,
  type ScenarioName,
} from '@conformance/core';
import {
  buildCertification,
  cellVerdict,
  CERTIFICATION_JSON,
  CERTIFICATION_MD,
  renderCertificationMarkdown,
} from '@conformance/report';
import { startAppiumServer } from '@conformance/driver-appium';
import { conformanceHome } from '@conformance/proxy-mitmproxy';
import { runAssessment } from './assess.js';
import { loadManifestFile } from './manifest-file.js';
import { defaultAssessmentPorts, type AssessmentPorts } from './ports.js';
import { silentProgress, type Progress } from './progress.js';
import { TOOL_VERSION } from './version.js';

const run = promisify(execFile);

export interface CertifyOptions {
  /** Path of certify.yaml. */
  matrix: string;
  /** Output folder; default `reports/certify-<package>`. */
  out?: string;
  /** Observation window of each scenario; overrides the matrix's `window`. */
  observationMs?: number;
  /** How long a background step keeps the app in the background (default the run's). */
  backgroundMs?: number;
  /** Scenarios run at once within each cell (runAssessment's `concurrency`); default its default. */
  scenarioConcurrency?: number;
  /** How many cells are assessed at the same time (default 1). */
  concurrency?: number;
  /** Where installed SDK versions are kept between runs; default `$CONFORMANCE_HOME/sdks`. */
  sdkCache?: string;
  /**
   * A WebDriver endpoint every cell runs on (Selenium Grid 4, a device farm). Without it one
   * local Appium server is started for all cells (its log in `<out>/appium.log`).
   */
  remote?: string;
  /** The address the device uses to reach the proxy (with a `remote` on another machine). */
  proxyAddress?: string;
  progress?: Progress;
}

export interface CertifyResult {
  certification: Certification;
  outDir: string;
  jsonPath: string;
  markdownPath: string;
}

/** An installed SDK version: the folder of the package, and what npm recorded about it. */
export interface InstalledSdk {
  packageDir: string;
  installed: Certification['versions'][number]['installed'];
}

/** The steps of a cell that are not an assessment: installing a version and building a host against it. */
export interface CertifyTools {
  installSdk(options: { packageName: string; version: string; cacheDir: string; progress: Progress }): Promise<InstalledSdk>;
  buildHost(options: { hostDir: string; env: Record<string, string>; progress: Progress }): Promise<void>;
}

/**
 * The environment a host app's build gets in a certification cell. A host's build bundles the
 * SDK from CERTIFY_SDK_DIR (the installed package's folder) instead of its own dependency,
 * applies CERTIFY_OPTIONS (the configuration's options as JSON) and writes the built app to
 * CERTIFY_OUT.
 */
export function hostBuildEnv(sdk: { packageName: string; version: string; packageDir: string }, options: unknown, out: string) {
  return {
    CERTIFY_SDK_PACKAGE: sdk.packageName,
    CERTIFY_SDK_VERSION: sdk.version,
    CERTIFY_SDK_DIR: sdk.packageDir,
    CERTIFY_OPTIONS: JSON.stringify(options),
    CERTIFY_OUT: out,
  };
}

export const defaultCertifyTools: CertifyTools = {
  async installSdk({ packageName, version, cacheDir, progress }) {
    const prefix = join(cacheDir, `${packageName.replace('/', '+')}@${version}`);
    const packageDir = join(prefix, 'node_modules', ...packageName.split('/'));
    const read = async () => {
      const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version?: string };
      const lock = JSON.parse(await readFile(join(prefix, 'node_modules', '.package-lock.json'), 'utf8').catch(() => '{}')) as {
        packages?: Record<string, { version?: string; integrity?: string; resolved?: string }>;
      };
      const entry = lock.packages?.[`node_modules/${packageName}`];
      return {
        packageDir,
        installed: { version: pkg.version ?? 'unknown', integrity: entry?.integrity ?? null, resolved: entry?.resolved ?? null },
      };
    };
    const cached = await read().catch(() => undefined);
    if (cached?.installed?.version === version) {
      progress.detail(`${packageName}@${version}: installed in ${prefix}`);
      return cached;
    }
    progress.detail(`installing ${packageName}@${version} from the npm registry into ${prefix}`);
    await rm(prefix, { recursive: true, force: true });
    await mkdir(prefix, { recursive: true });
    try {
      await run(
        'npm',
        ['install', '--prefix', prefix, `${packageName}@${version}`, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund'],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      throw new ConformanceError(
        ErrorCodes.CERTIFY_INSTALL,
        `npm could not install ${packageName}@${version}: ${stderr.split('\n').slice(-3).join(' ')}`,
        {
          hint: `check the version exists (npm view ${packageName} versions) and that the npm registry is reachable`,
          cause: error,
        },
      );
    }
    const installed = await read();
    if (installed.installed?.version !== version) {
      throw new ConformanceError(
        ErrorCodes.CERTIFY_INSTALL,
        `npm installed ${packageName} ${installed.installed?.version} where ${version} was asked for`,
        { hint: 'name an exact published version in sdk.versions' },
      );
    }
    return installed;
  },
  async buildHost({ hostDir, env }) {
    try {
      await run('npm', ['run', 'build'], { cwd: hostDir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const output =
        `${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? (error as Error).message}`.trim();
      throw new ConformanceError(
        ErrorCodes.CERTIFY_BUILD,
        `the host app in ${hostDir} did not build: ${output.split('\n').slice(-4).join(' ')}`,
        {
          hint: 'its package.json needs a "build" script that honours CERTIFY_SDK_DIR, CERTIFY_OPTIONS and CERTIFY_OUT (see the README, "conformance certify")',
          cause: error,
        },
      );
    }
  },
};

/**
 * A certification: every SDK version × host app × configuration of the matrix is one real
 * assessment (the host built against that version with that configuration), then the verdicts
 * are summed up per version (see buildCertification in @conformance/report) into
 * certification.json and certification.md.
 */
export async function runCertification(
  options: CertifyOptions,
  ports: AssessmentPorts = defaultAssessmentPorts,
  tools: CertifyTools = defaultCertifyTools,
): Promise<CertifyResult> {
  const progress = options.progress ?? silentProgress;
  const matrixFile = resolve(options.matrix);
  let text: string;
  try {
    text = await readFile(matrixFile, 'utf8');
  } catch (error) {
    throw new ConformanceError(
      ErrorCodes.USAGE,
      `cannot read the certification matrix ${matrixFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      {
        hint: 'pass the path of a certify.yaml with --matrix',
      },
    );
  }
  const matrix = parseCertifyMatrix(text, matrixFile);
  const hosts = await Promise.all(matrix.hosts.map((host) => resolveHost(resolve(dirname(matrixFile), host), matrixFile)));
  const hostNames = hosts.map((host) => host.name);
  const duplicate = hostNames.find((name, index) => hostNames.indexOf(name) !== index);
  if (duplicate) {
    throw new ConformanceError(ErrorCodes.USAGE, `${matrixFile}: hosts: two host apps are named ${duplicate}`, {
      hint: 'list each host app once; cells are told apart by the manifest name',
    });
  }
  const outDir = resolve(options.out ?? join('reports', `certify-${matrix.sdk.package.replace('/', '+')}`));
  const cacheDir = resolve(options.sdkCache ?? join(conformanceHome(), 'sdks'));
  const observationMs = options.observationMs ?? matrix.window;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const startedAt = new Date();
  const total = matrix.sdk.versions.length * hosts.length * matrix.configurations.length;
  progress.step(
    `Certifying ${matrix.sdk.package}: ${matrix.sdk.versions.length} version(s) × ${hosts.length} host app(s) × ${matrix.configurations.length} configuration(s) = ${total} assessment(s) → ${outDir}`,
  );
  await rm(join(outDir, 'cells'), { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  // One Appium server for every cell (each cell still gets its own proxy and browser profile per scenario).
  const appium =
    options.remote || ports !== defaultAssessmentPorts
      ? undefined
      : (progress.detail('starting Appium for every cell'),
        await startAppiumServer({ logPath: join(outDir, 'appium.log'), platforms: hosts.map((host) => host.platform) }));
  const remote = options.remote ?? appium?.url;
  try {
    const cells: CertificationCell[] = [];
    const versions: Certification['versions'][number]['installed'][] = [];
    // Every version is installed first (one at a time: npm shares its cache), then the cells run.
    const installs = new Map<string, { sdk?: InstalledSdk; error?: { code: string; message: string } }>();
    for (const version of matrix.sdk.versions) {
      try {
        installs.set(version, { sdk: await tools.installSdk({ packageName: matrix.sdk.package, version, cacheDir, progress }) });
      } catch (error) {
        const data = errorToData(error);
        progress.warn(`${matrix.sdk.package}@${version}: ${data.message}`);
        installs.set(version, { error: { code: data.code, message: data.message } });
      }
      versions.push(installs.get(version)?.sdk?.installed ?? null);
    }
    const jobs = matrix.sdk.versions.flatMap((version) =>
      hosts.flatMap((host) => matrix.configurations.map((configuration) => ({ version, host, configuration }))),
    );
    const runCell = async (
      { version, host, configuration }: (typeof jobs)[number],
      index: number,
    ): Promise<CertificationCell> => {
      const label = `[${index + 1}/${total}]`;
      const folder = join('cells', version, host.name, configuration.name);
      const cellDir = join(outDir, folder);
      const base = {
        version,
        host: host.name,
        configuration: configuration.name,
        positiveControl: configuration.positiveControl,
        folder,
      };
      progress.step(
        `${label} ${matrix.sdk.package}@${version} × ${host.name} × ${configuration.name}${configuration.positiveControl ? ' (positive control)' : ''}`,
      );
      const { sdk, error: installError } = installs.get(version)!;
      if (!sdk) return { ...base, verdict: 'error', checks: {}, error: installError! };
      try {
        await mkdir(cellDir, { recursive: true });
        const manifest = join(cellDir, basename(host.manifest));
        await copyFile(host.manifest, manifest);
        await tools.buildHost({
          hostDir: host.dir,
          env: hostBuildEnv(
            { packageName: matrix.sdk.package, version, packageDir: sdk.packageDir },
            configuration.options,
            resolve(cellDir, host.dist),
          ),
          progress,
        });
        const result = await runAssessment(
          {
            app: manifest,
            out: cellDir,
            scenarios: matrix.scenarios as ScenarioName[],
            ...(observationMs !== undefined ? { observationMs } : {}),
            ...(remote ? { remote } : {}),
            ...(options.proxyAddress ? { proxyAddress: options.proxyAddress } : {}),
            ...(options.backgroundMs !== undefined ? { backgroundMs: options.backgroundMs } : {}),
            ...(options.scenarioConcurrency !== undefined ? { concurrency: options.scenarioConcurrency } : {}),
            progress: indented(progress, concurrency > 1 ? `${label} ` : ''),
          },
          ports,
        );
        const statuses = Object.fromEntries(
          matrix.checks.map((id) => [id, result.report.checks.find((check) => check.id === id)?.status ?? 'missing']),
        );
        const verdict = cellVerdict(statuses, matrix.checks);
        progress.detail(`${label} ${verdict}: ${matrix.checks.map((id) => `${id} ${statuses[id]}`).join(', ')}`);
        return { ...base, verdict, checks: statuses };
      } catch (error) {
        const data = errorToData(error);
        progress.warn(`${label} ${data.code}: ${data.message}`);
        return { ...base, verdict: 'error', checks: {}, error: { code: data.code, message: data.message } };
      }
    };
    // A bounded pool: each cell has its own proxies, profiles and folders; they share the Appium server.
    const results: CertificationCell[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
        while (next < jobs.length) {
          const index = next++;
          results[index] = await runCell(jobs[index]!, index);
        }
      }),
    );
    cells.push(...results);

    const certification = buildCertification({
      tool: { name: 'conformance', version: TOOL_VERSION },
      matrix: matrixFile,
      startedAt,
      sdk: { name: matrix.sdk.name, package: matrix.sdk.package },
      versions: matrix.sdk.versions.map((version, position) => ({ version, installed: versions[position] ?? null })),
      hosts: hosts.map((host) => ({ name: host.name, manifest: relative(dirname(matrixFile), host.manifest) || host.manifest })),
      configurations: matrix.configurations.map((configuration) => ({ ...configuration })),
      scenarios: matrix.scenarios,
      checks: matrix.checks,
      cells,
    });
    const jsonPath = join(outDir, CERTIFICATION_JSON);
    const markdownPath = join(outDir, CERTIFICATION_MD);
    await writeFile(jsonPath, `${JSON.stringify(certification, null, 2)}\n`);
    await writeFile(markdownPath, renderCertificationMarkdown(certification));
    return { certification, outDir, jsonPath, markdownPath };
  } finally {
    await appium?.stop();
  }
}

interface Host {
  name: string;
  /** The folder the build runs in (the manifest's). */
  dir: string;
  manifest: string;
  /** build.dist of the manifest, relative to it. */
  dist: string;
  platform: Platform;
}

/** A host app given as its folder or its manifest. */
async function resolveHost(path: string, matrixFile: string): Promise<Host> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new ConformanceError(ErrorCodes.USAGE, `${matrixFile}: hosts: ${path} does not exist`, {
      hint: 'name host app folders (holding conformance.app.yaml) relative to the matrix file',
    });
  }
  const manifestPath = info.isDirectory() ? join(path, 'conformance.app.yaml') : path;
  const loaded = await loadManifestFile(manifestPath);
  const dir = dirname(loaded.file);
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    if (!pkg.scripts?.['build']) throw new Error('no build script');
  } catch {
    throw new ConformanceError(ErrorCodes.USAGE, `${matrixFile}: hosts: ${dir} has no package.json with a "build" script`, {
      hint: 'a host app is built by "npm run build" in its folder, against the SDK version in CERTIFY_SDK_DIR',
    });
  }
  return {
    name: loaded.manifest.name,
    dir,
    manifest: loaded.file,
    dist: loaded.manifest.build.dist,
    platform: loaded.manifest.platform,
  };
}

/** A cell's assessment progress, indented under the cell's line (and labelled when cells run side by side). */
function indented(progress: Progress, label: string): Progress {
  return {
    step: (message) => progress.detail(`${label}${message}`),
    detail: (message) => progress.detail(`${label}  ${message}`),
    warn: (message) => progress.warn(`${label}${message}`),
  };
}
