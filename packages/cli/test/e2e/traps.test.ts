import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AttemptedRequest, TimelineEntry } from '@conformance/core';
import { app, check, conformance, readReport } from './helpers.js';

// Apps that trip a scenario engine written for cooperative apps: each must still be decided.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-traps-'));
});

async function assess(name: string, scenarios: string) {
  const out = join(work, name);
  const result = await conformance(['run', '--app', app(name), '--out', out, '--scenarios', scenarios, '--window', '2000']);
  return { result, report: await readReport(out), out };
}

const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;

describe('scenario traps', () => {
  it('consent.withdrawal-respected is decided when the withdraw path leaves the app on a settings screen', async () => {
    const { report, out } = await assess('news-withdraw-elsewhere', 'withdraw');
    expect(report.scenarios[0]).toMatchObject({ name: 'withdraw', status: 'completed' });
    expect(check(report, 'consent.withdrawal-respected').status).toBe('pass');
    const timeline = await readJson<TimelineEntry[]>(join(out, 'evidence', 'withdraw', 'timeline.json'));
    expect(timeline.filter((entry) => entry.action === 'relaunch').map((entry) => entry.detail)).toEqual([
      'journey retried from the entry (#article-1 was not on screen)',
      'https://news-withdraw-elsewhere.example.test/index.html',
    ]);
    expect(timeline.map((entry) => entry.action)).toEqual(expect.arrayContaining(['withdraw', 'background', 'foreground']));
  });

  it('consent.withdrawal-respected fails on an SDK that flushes when the page is hidden after withdrawal; refusal stays respected', async () => {
    const { report, out } = await assess('news-flush-on-hide', 'refuse,withdraw');
    expect(report.scenarios.map((scenario) => scenario.status)).toEqual(['completed', 'completed']);
    const withdrawal = check(report, 'consent.withdrawal-respected');
    expect(withdrawal.status).toBe('fail');
    expect(withdrawal.evidence).toContainEqual(
      expect.objectContaining({ kind: 'flow', phase: 'after-withdraw', host: 'beacon.session-sdk.test' }),
    );
    // The background step itself made the SDK send (visibilitychange → hidden), after the withdrawal.
    const timeline = await readJson<TimelineEntry[]>(join(out, 'evidence', 'withdraw', 'timeline.json'));
    const background = timeline.find((entry) => entry.action === 'background')!;
    const foreground = timeline.find((entry) => entry.action === 'foreground')!;
    const journal = (await readFile(join(out, 'evidence', 'withdraw', 'flows.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; host?: string; startedAt?: number });
    const whileHidden = journal.filter(
      (record) =>
        record.type === 'flow' &&
        record.host === 'beacon.session-sdk.test' &&
        record.startedAt! >= background.at &&
        record.startedAt! <= foreground.done,
    );
    expect(whileHidden.length).toBeGreaterThan(0);
    // Negative control: the SDK was never opted in in the refuse scenario, so nothing left.
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
  });

  it('transport.tls-everywhere fails on an https page whose SDK posts to http://, from the attempts the browser blocked', async () => {
    const { report, out } = await assess('news-https-posts-http', 'accept');
    expect(report.scenarios[0]).toMatchObject({ name: 'accept', status: 'completed' });
    const attempted = await readJson<AttemptedRequest[]>(join(out, 'evidence', 'accept', 'attempted.json'));
    const blocked = attempted.filter((attempt) => attempt.url === 'http://collect.vendor-analytics.test/v1/batch');
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked[0]).toMatchObject({
      method: 'POST',
      blockedReason: 'mixed-content',
      postData: expect.stringContaining('news-https-posts-http'),
    });
    // None of them reached the proxy.
    const journal = (await readFile(join(out, 'evidence', 'accept', 'flows.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; url?: string });
    expect(journal.filter((record) => record.type === 'flow' && record.url?.startsWith('http://collect.'))).toEqual([]);
    const tls = check(report, 'transport.tls-everywhere');
    expect(tls.status).toBe('fail');
    expect(tls.summary).toContain(
      "blocked by the browser's mixed-content rule; a WebView or native app that allows cleartext would send it",
    );
    expect(tls.evidence).toContainEqual(
      expect.objectContaining({
        kind: 'flow',
        scheme: 'http',
        host: 'collect.vendor-analytics.test',
        attempted: expect.any(String),
      }),
    );
  });
});
