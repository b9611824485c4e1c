import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { app, conformance, readReport } from './helpers.js';

describe('conformance baseline', () => {
  it('records the hosts Chromium contacts with no app, and a run sets them aside as platform noise', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cli-baseline-'));
    const file = join(work, 'web.json');
    const recorded = await conformance(['baseline', '--window', '4000', '--out', file]);
    expect(recorded.code, recorded.stderr).toBe(0);
    const baseline = JSON.parse(await readFile(file, 'utf8'));
    expect(baseline.platform).toBe('web');
    expect(baseline.hosts.length).toBeGreaterThan(0);

    const out = join(work, 'run');
    await conformance([
      'run',
      '--app',
      app('news-careful'),
      '--out',
      out,
      '--scenarios',
      'idle',
      '--window',
      '1500',
      '--baseline',
      file,
    ]);
    expect(JSON.parse(await readFile(join(out, 'evidence', 'baseline.json'), 'utf8'))).toEqual(baseline);
    const report = await readReport(out);
    const recordedHosts: string[] = baseline.hosts.map((h: { host: string }) => h.host);
    // Every tagged host is either on the built-in list or in the baseline; the app's own hosts never are.
    expect(report.platformNoise.hosts.some((host) => recordedHosts.includes(host))).toBe(true);
    expect(report.platformNoise.hosts).not.toContain('news-careful.example.test');
    expect(report.platformNoise.hosts).not.toContain('collect.vendor-analytics.test');
  });
});
