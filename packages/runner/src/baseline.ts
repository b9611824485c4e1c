import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { baselineSchema, BundleFiles, splitRecords, type Baseline } from '@conformance/core';
import {
  chromiumMajorVersion,
  DEFAULT_WEB_DEVICE,
  deviceProfile,
  openWebSession,
  startAppiumServer,
} from '@conformance/driver-appium';
import { conformanceHome, readJournal, startMitmproxy } from '@conformance/proxy-mitmproxy';
import { silentProgress, type Progress } from './progress.js';

/** Where the recorded baseline of a platform is kept: `$CONFORMANCE_HOME/baseline/<platform>.json`. */
export function baselinePath(platform: Baseline['platform'] = 'web', env: NodeJS.ProcessEnv = process.env): string {
  return join(conformanceHome(env), 'baseline', `${platform}.json`);
}

export interface BaselineOptions {
  windowMs?: number;
  /** Where to write it; default `baselinePath('web')`. */
  out?: string;
  progress?: Progress;
}

/**
 * Records what the browser sends on its own: a fresh profile through the proxy, a blank
 * page, nothing else, for the window. Every host it contacted is platform noise for later
 * assessments, which set those flows aside and list them in the report.
 */
export async function recordBaseline(options: BaselineOptions = {}): Promise<{ file: string; baseline: Baseline }> {
  const progress = options.progress ?? silentProgress;
  const windowMs = options.windowMs ?? 15_000;
  const work = await mkdtemp(join(tmpdir(), 'conformance-baseline-'));
  try {
    const journalPath = join(work, BundleFiles.flows);
    progress.step(`Recording what Chromium sends with no app, for ${(windowMs / 1000).toFixed(0)} s`);
    const appium = await startAppiumServer({ logPath: join(work, BundleFiles.appiumLog), platforms: ['web'] });
    let browser = 'chromium';
    try {
      const proxy = await startMitmproxy({ journalPath });
      try {
        const device = deviceProfile(DEFAULT_WEB_DEVICE, await chromiumMajorVersion());
        browser = `chromium ${await chromiumMajorVersion()}`;
        const session = await openWebSession({
          appiumUrl: appium.url,
          proxyUrl: proxy.url,
          device,
          gpc: false,
          origin: 'about:blank',
        });
        try {
          await session.launch('about:blank');
          await new Promise((resolve) => setTimeout(resolve, windowMs));
        } finally {
          await session.close();
        }
      } finally {
        await proxy.stop();
      }
    } finally {
      await appium.stop();
    }
    const { flows } = splitRecords((await readJournal(journalPath)).records);
    const counts = new Map<string, number>();
    for (const flow of flows) counts.set(flow.host, (counts.get(flow.host) ?? 0) + 1);
    const baseline: Baseline = {
      platform: 'web',
      recordedAt: new Date().toISOString(),
      windowMs,
      browser,
      hosts: [...counts].map(([host, count]) => ({ host, flows: count })).sort((a, b) => a.host.localeCompare(b.host)),
    };
    const file = options.out ?? baselinePath('web');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(baseline, null, 2)}\n`);
    progress.detail(
      `${flows.length} request(s) to ${baseline.hosts.length} host(s): ${baseline.hosts.map((h) => h.host).join(', ') || 'none'}`,
    );
    return { file, baseline };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The recorded baseline of a platform, if one was recorded (invalid files are reported, not used). */
export async function loadBaseline(file: string): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return baselineSchema.parse(JSON.parse(text));
}
