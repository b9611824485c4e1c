import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { app, conformance, readReport } from './helpers.js';

describe('conformance baseline', () => {
  it('records that Chromium, as the harness starts it, sends nothing of its own (no host fingerprint reaches the evidence)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cli-baseline-'));
    const file = join(work, 'web.json');
    const recorded = await conformance(['baseline', '--window', '6000', '--out', file]);
    expect(recorded.code, recorded.stderr).toBe(0);
    const baseline = JSON.parse(await readFile(file, 'utf8'));
    expect(baseline.platform).toBe('web');
    expect(baseline.windowMs).toBe(6000);
    // Update checks, time queries, account and model-download requests are switched off or
    // pointed at hosts that never resolve, so nothing goes through the proxy at all.
    expect(baseline.hosts).toEqual([]);
  });

  it('sets the hosts of a baseline aside as platform noise and copies the baseline into the evidence', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cli-baseline-'));
    const file = join(work, 'web.json');
    // A baseline as another platform would record it: here, the ad pixel news-leaky loads at start.
    const baseline = {
      platform: 'web',
      recordedAt: '2026-12-01T00:00:00.000Z',
      windowMs: 4000,
      browser: 'chromium',
      hosts: [{ host: 'pixel.adnet.test', flows: 1 }],
    };
    await writeFile(file, JSON.stringify(baseline));
    const out = join(work, 'run');
    const run = await conformance([
      'run',
      '--app',
      app('news-leaky'),
      '--out',
      out,
      '--scenarios',
      'idle',
      '--window',
      '1500',
      '--baseline',
      file,
    ]);
    expect(run.stderr).toContain('platform baseline: 1 host(s)');
    expect(JSON.parse(await readFile(join(out, 'evidence', 'baseline.json'), 'utf8'))).toEqual(baseline);
    const report = await readReport(out);
    expect(report.platformNoise.hosts).toEqual(['pixel.adnet.test']);
    expect(report.platformNoise.flows).toBeGreaterThan(0);
    // The app's own hosts and its SDK's never are.
    const before = report.checks.find((check) => check.id === 'consent.no-third-party-before-choice')!;
    expect(before.status).toBe('fail');
    expect(before.summary).toContain('collect.vendor-analytics.test');
    expect(before.summary).not.toContain('pixel.adnet.test');
  });
});
