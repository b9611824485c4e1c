import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { app, check, conformance, processesWithEnv, processTable, readReport } from './helpers.js';

// Each bad fixture breaks one rule; the scenarios that rule needs are all that is run.
// The good side of every check is news-careful's run in assess.test.ts (and news-gpc here).
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-scn-'));
});

async function assess(name: string, scenarios: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  const out = join(work, name);
  const result = await conformance(
    ['run', '--app', app(name), '--out', out, '--scenarios', scenarios, '--window', '2000', ...extra],
    env,
  );
  return { result, report: await readReport(out), out };
}

describe('one fixture per rule', () => {
  it('consent.reject-on-first-layer fails on a dialog without a reject button', async () => {
    const { report } = await assess('news-no-reject', 'idle');
    expect(check(report, 'consent.reject-on-first-layer')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('no reject option'),
    });
    expect(check(report, 'consent.reject-on-first-layer').evidence).toContainEqual({
      kind: 'screenshot',
      scenario: 'idle',
      file: 'consent-dialog.png',
    });
  });

  it('consent.no-preticked-boxes fails on a dialog whose sharing box starts ticked', async () => {
    const { report } = await assess('news-preticked', 'idle');
    expect(check(report, 'consent.no-preticked-boxes')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('"Share with partners"'),
    });
  });

  it('consent.policy-within-4-taps fails when the policy is 6 taps deep', async () => {
    const { report } = await assess('news-deep-policy', 'policy');
    expect(check(report, 'consent.policy-within-4-taps')).toMatchObject({
      status: 'fail',
      summary: 'the privacy policy takes 6 taps (more than 4)',
    });
  });

  it('permissions.none-before-consent and api.no-sensitive-reads-before-consent fail on an app that asks for location at startup', async () => {
    const { report } = await assess('news-geo-startup', 'idle,accept');
    const permissions = check(report, 'permissions.none-before-consent');
    expect(permissions.status).toBe('fail');
    expect(permissions.evidence[0]).toMatchObject({
      kind: 'api-event',
      api: 'geolocation',
      phase: 'before-choice',
      attributedTo: expect.stringContaining('first-party code (https://news-geo-startup.example.test/app.js'),
    });
    expect(check(report, 'api.no-sensitive-reads-before-consent').status).toBe('fail');
  });

  it('consent.withdrawal-respected fails on an app that keeps collecting after withdrawal', async () => {
    const { report } = await assess('news-ignores-withdrawal', 'withdraw');
    const withdrawal = check(report, 'consent.withdrawal-respected');
    expect(withdrawal.status).toBe('fail');
    expect(withdrawal.evidence).toContainEqual(
      expect.objectContaining({ kind: 'flow', phase: 'after-withdraw', host: 'collect.vendor-analytics.test' }),
    );
  });

  it('gpc.honoured passes on an app that keeps analytics off under Global Privacy Control, with Sec-GPC sent', async () => {
    const { report, out } = await assess('news-gpc', 'gpc');
    expect(check(report, 'gpc.honoured')).toMatchObject({ status: 'pass' });
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(out, 'evidence', 'gpc', 'flows.jsonl'), 'utf8')).toContain('["sec-gpc","1"]');
    // The page itself read the signal back before the pass was claimed.
    const scenario = JSON.parse(await readFile(join(out, 'evidence', 'gpc', 'scenario.json'), 'utf8'));
    expect(scenario.gpcSignal).toEqual({
      context: 'browser',
      header: 'Sec-GPC: 1',
      script: 'navigator.globalPrivacyControl = true',
      readBack: true,
    });
  });
});

describe('robustness', () => {
  it('a run leaves no process behind, wherever a process it started was re-parented (traced by a mark in its environment)', async () => {
    const mark = `${process.pid}-${Date.now()}`;
    const seen = new Map<number, string>();
    const sample = () => {
      for (const proc of processesWithEnv('CONFORMANCE_TEST_MARK', mark)) seen.set(proc.pid, proc.comm);
    };
    const timer = setInterval(sample, 150);
    const { result } = await assess('news-careful', 'idle', [], { ...process.env, CONFORMANCE_TEST_MARK: mark });
    clearInterval(timer);
    expect(result.code).toBe(0);
    // The mark reaches what the run starts: the browser, chromedriver, Appium and the proxy.
    expect([...new Set(seen.values())]).toEqual(expect.arrayContaining(['chromium', 'chromedriver', 'python3']));
    expect(processesWithEnv('CONFORMANCE_TEST_MARK', mark)).toEqual([]);
    // ...and the run stopped all of it itself: its last-resort reaper had nothing to kill.
    expect(result.stderr).not.toContain('were still running after it');
  });

  it('a hanging app ends its scenario in error at the deadline, its checks inconclusive, and leaves no process behind', async () => {
    // Processes of this run only (other runs may share the machine): they carry the mark.
    const mark = `${process.pid}-hanging-${Date.now()}`;
    const started = Date.now();
    const { result, report, out } = await assess(
      'news-hanging',
      'idle',
      ['--scenario-timeout', '12000', '--dialog-timeout', '3000'],
      { ...process.env, CONFORMANCE_TEST_MARK: mark },
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.code).toBe(2);
    expect(report.scenarios[0]).toMatchObject({ name: 'idle', status: 'error', error: { code: 'CONF_SCENARIO_TIMEOUT' } });
    expect(check(report, 'consent.no-third-party-before-choice').status).toBe('inconclusive');
    expect(result.stderr).toContain('CONF_SCENARIO_TIMEOUT');
    const leftovers = processTable().filter(
      (p) => p.args.includes(out) || p.args.includes(`conformance-profile-${result.pid}-`),
    );
    expect(leftovers).toEqual([]);
    expect(processesWithEnv('CONFORMANCE_TEST_MARK', mark)).toEqual([]);
    expect(result.stderr).not.toContain('were still running after it');
  });
});
