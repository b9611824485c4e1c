import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '@conformance/core';
import { app, conformance, readReport } from './helpers.js';

interface JournalFlow {
  type: string;
  host: string;
  headers: [string, string][];
}

/** Every flow the proxies of a run recorded, across its scenarios. */
async function flows(out: string): Promise<JournalFlow[]> {
  const evidence = join(out, 'evidence');
  const found: JournalFlow[] = [];
  for (const entry of await readdir(evidence, { withFileTypes: true })) {
    // Scenario folders hold a journal; evidence/suites/ holds the suites the run was scored against.
    if (!entry.isDirectory() || !existsSync(join(evidence, entry.name, 'flows.jsonl'))) continue;
    const text = await readFile(join(evidence, entry.name, 'flows.jsonl'), 'utf8');
    for (const line of text.split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as JournalFlow;
      if (record.type === 'flow') found.push(record);
    }
  }
  return found;
}

/** What a flow says about the page that sent it (Origin or Referer), when it says anything. */
const sender = (flow: JournalFlow) =>
  flow.headers
    .filter(([name]) => /^(origin|referer)$/i.test(name))
    .map(([, value]) => new URL(value).hostname)
    .at(0);

// The hosts each app contacts: its own first party, the SDK both declare, and news-leaky's pixel.
const OWN: Record<string, string[]> = {
  'news-leaky': ['news-leaky.example.test', 'collect.vendor-analytics.test', 'pixel.adnet.test'],
  'news-careful': ['news-careful.example.test', 'collect.vendor-analytics.test'],
};

describe('two assessments at once', () => {
  it('run side by side on their own ports, proxies, browsers and folders: nothing crosses', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cli-parallel-'));
    const names = ['news-leaky', 'news-careful'] as const;
    const runs = await Promise.all(
      names.map((name) =>
        conformance(['run', '--app', app(name), '--out', join(work, name), '--scenarios', 'idle,accept', '--window', '4000']),
      ),
    );
    const reports: Record<string, Report> = {};
    for (const [index, name] of names.entries()) {
      const run = runs[index]!;
      const report = await readReport(join(work, name));
      reports[name] = report;
      // Both complete: every requested scenario, nothing inconclusive.
      expect(
        report.scenarios.map((s) => [s.name, s.status]),
        name,
      ).toEqual([
        ['idle', 'completed'],
        ['accept', 'completed'],
      ]);
      expect(report.totals.inconclusive, `${name}: ${run.stderr}`).toBe(0);
      const recorded = await flows(join(work, name));
      expect(recorded.length, name).toBeGreaterThan(3);
      const platform = new Set(report.platformNoise.hosts);
      // Each run's proxies saw its own app only: its hosts, and pages of its own first party.
      for (const flow of recorded) {
        if (platform.has(flow.host)) continue;
        expect(OWN[name], `${name} recorded ${flow.host}`).toContain(flow.host);
        const from = sender(flow);
        if (from) expect(from, `${name}: ${flow.host} sent from ${from}`).toBe(OWN[name]![0]);
      }
      // And it did see its SDK.
      expect(recorded.some((flow) => flow.host === 'collect.vendor-analytics.test')).toBe(true);
    }
    // news-leaky's SDK sends before any choice; news-careful's sends its device id readable after accepting.
    expect(reports['news-leaky']!.checks.find((c) => c.id === 'consent.no-third-party-before-choice')?.status).toBe('fail');
    expect(reports['news-careful']!.checks.find((c) => c.id === 'consent.no-third-party-before-choice')?.status).toBe('pass');
    // The default gate (--fail-on critical): news-leaky fails a critical item, news-careful none.
    expect(runs.map((run) => run.code)).toEqual([1, 0]);
  });
});
