import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckStatus, Report } from '@conformance/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { app, check, readReport, root, statuses, type CliResult } from './helpers.js';

/**
 * Apps built on real SDKs from npm (fixtures/apps/<sdk>-*), assessed through the installed
 * `conformance` command exactly as a user types it (`npx conformance …` at the workspace root).
 * Four scenarios carry every assertion here: idle and accept (before any choice), refuse, and
 * withdraw (accept, journey with the persona's phone typed in, withdraw).
 */
const SCENARIOS = 'idle,refuse,accept,withdraw';
const WINDOW = '3000';

export function npxConformance(args: string[], cwd = root): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn('npx', ['--no-install', 'conformance', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, pid: child.pid!, stdout, stderr }));
  });
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-real-sdks-'));
});

async function assess(name: string): Promise<{ report: Report; result: CliResult }> {
  const out = join(work, name);
  const result = await npxConformance(['run', '--app', app(name), '--out', out, '--scenarios', SCENARIOS, '--window', WINDOW]);
  const report = await readReport(out);
  // Four of six scenarios: the checks that need the other two are not-run, which the gate
  // ignores. So the exit code is the gate's on what ran: 1 when a critical suite item failed,
  // else 0 (2 only if something that ran could not decide); never a crash.
  const criticalFailed = report.suites.some((suite) =>
    suite.items.some((item) => (item.status === 'fail' || item.status === 'attested-fail') && item.severity === 'critical'),
  );
  expect(result.code, result.stderr).toBe(report.totals.inconclusive > 0 ? 2 : criticalFailed ? 1 : 0);
  expect(report.checks.some((c) => c.status === 'not-run')).toBe(true);
  expect(report.scenarios.filter((s) => SCENARIOS.split(',').includes(s.name)).map((s) => [s.name, s.status])).toEqual(
    SCENARIOS.split(',').map((name) => [name, 'completed']),
  );
  return { report, result };
}

const CONSENT = [
  'consent.no-third-party-before-choice',
  'consent.no-identifier-before-choice',
  'consent.refusal-respected',
  'consent.withdrawal-respected',
];
const expectConsent = (report: Report, expected: CheckStatus[]) =>
  expect(statuses(report, CONSENT)).toEqual(Object.fromEntries(CONSENT.map((id, i) => [id, expected[i]])));
const summary = (report: Report, id: string) => check(report, id).summary;

describe('@sentry/browser', () => {
  it('consent.no-third-party-before-choice passes for sentry-careful: Sentry starts only after accept and closes on withdrawal', async () => {
    const { report } = await assess('sentry-careful');
    expectConsent(report, ['pass', 'pass', 'pass', 'pass']);
    expect(summary(report, 'sdk.all-disclosed')).toContain('Sentry');
  });

  it('consent.no-third-party-before-choice fails for sentry-leaky, and the phone number in an error message is found after withdrawal', async () => {
    const { report } = await assess('sentry-leaky');
    expect(statuses(report, [CONSENT[0]!, CONSENT[2]!, CONSENT[3]!])).toEqual({
      [CONSENT[0]!]: 'fail',
      [CONSENT[2]!]: 'fail',
      [CONSENT[3]!]: 'fail',
    });
    expect(summary(report, CONSENT[0]!)).toContain('o4504123456789012.ingest.us.sentry.io');
    expect(summary(report, 'consent.withdrawal-respected')).toContain('contact.phone');
  });
});

describe('@datadog/browser-rum', () => {
  it("consent.no-third-party-before-choice passes for datadog-careful: trackingConsent 'not-granted' holds RUM back until accept", async () => {
    const { report } = await assess('datadog-careful');
    expectConsent(report, ['pass', 'pass', 'pass', 'pass']);
  });

  it('consent.no-identifier-before-choice fails for datadog-leaky: the RUM session id leaves before any choice', async () => {
    const { report } = await assess('datadog-leaky');
    // Not consent.withdrawal-respected: whether RUM fills and sends a batch between the
    // withdrawal and the end of a 3 s window depends on timing (50 events, 16 KiB or 30 s).
    expect(statuses(report, CONSENT.slice(0, 3))).toEqual(Object.fromEntries(CONSENT.slice(0, 3).map((id) => [id, 'fail'])));
    expect(summary(report, CONSENT[1]!)).toContain('browser-intake-datadoghq.eu');
  });
});

describe('firebase (analytics)', () => {
  it('consent.no-third-party-before-choice passes for firebase-careful: consent mode denied and the SDK started only after accept', async () => {
    const { report } = await assess('firebase-careful');
    expectConsent(report, ['pass', 'pass', 'pass', 'pass']);
  });

  it('consent.no-identifier-before-choice fails for firebase-leaky: the Firebase installation id is registered at load', async () => {
    const { report } = await assess('firebase-leaky');
    expect(statuses(report, CONSENT.slice(0, 3))).toEqual(Object.fromEntries(CONSENT.slice(0, 3).map((id) => [id, 'fail'])));
    expect(summary(report, CONSENT[0]!)).toContain('firebaseinstallations.googleapis.com');
    expect(summary(report, CONSENT[1]!)).toContain('firebaseinstallations.googleapis.com');
  });
});

describe('countly-sdk-web', () => {
  it('consent.no-identifier-before-choice fails even with require_consent: the SDK fetches its server config and sends an empty location with the device id before any choice', async () => {
    const { report } = await assess('countly-require-consent');
    // Not consent.withdrawal-respected: Countly retries what the sinkhole answered with 204 (it
    // takes 204 as a failure), so whether a retry of a batch queued before the withdrawal falls
    // past the grace depends on timing.
    expect(statuses(report, CONSENT.slice(0, 3))).toEqual(Object.fromEntries(CONSENT.slice(0, 3).map((id) => [id, 'fail'])));
    expect(summary(report, CONSENT[1]!)).toContain('countly.news-analytics.test');
    expect(summary(report, 'api.no-sensitive-reads-before-consent')).toContain('userAgentData.getHighEntropyValues');
  });

  it('consent.no-third-party-before-choice fails for countly-no-consent: sessions start at launch', async () => {
    const { report } = await assess('countly-no-consent');
    expect(statuses(report, CONSENT.slice(0, 3))).toEqual(Object.fromEntries(CONSENT.slice(0, 3).map((id) => [id, 'fail'])));
    expect(summary(report, CONSENT[0]!)).toContain('countly.news-analytics.test');
  });
});

describe('consent managers from npm gating Countly', () => {
  // tarteaucitron shows its banner before its buttons answer: the first tap is lost unless the
  // harness taps again when the dialog stays (the choice then says so in the timeline).
  for (const name of ['cmp-orejime', 'cmp-iab-tcf', 'cmp-tarteaucitron']) {
    it(`consent.refusal-respected passes for ${name}, and Countly is reached once the user accepts (the gate opens)`, async () => {
      const { report } = await assess(name);
      expectConsent(report, ['pass', 'pass', 'pass', 'pass']);
      expect(check(report, 'consent.not-reprompted-after-refusal').status).toBe('pass');
      expect(summary(report, 'sdk.all-disclosed')).toContain('(Countly)');
      expect(summary(report, 'api.no-sensitive-reads-before-consent')).toContain('userAgentData.getHighEntropyValues');
    });
  }
});
