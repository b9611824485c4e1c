import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { analyzeBundle, readEvidenceBundle } from '@conformance/analyzer';
import { runChecks } from '@conformance/checks';
import { defaultScenariosFor, ErrorCodes, scenarioPlans, type DeviceSession, type ScenarioPlan } from '@conformance/core';
import { createFakeProxy, createFakeSession, makeFlow, makeManifest, type FakeProxy } from '@conformance/testing';
import { createPersona } from './persona.js';
import { silentProgress } from './progress.js';
import { runScenario, type ScenarioContext } from './scenario.js';
import { relaunchDialogWait } from './scenario-steps.js';

const manifest = makeManifest({
  consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
  withdraw: ['#menu', '#settings', '#withdraw'],
  journey: [{ tap: '#article' }],
});
const controls = ['#consent', '#accept', '#reject', '#article', '#menu', '#settings', '#withdraw'];
const url = 'https://app.example.test/index.html';
const now = (path: string) => makeFlow(`https://${path}`, 0, { startedAt: Date.now(), completedAt: Date.now() });

async function run(
  name: ScenarioContext['name'],
  session: (proxy: () => FakeProxy) => DeviceSession,
  overrides: Partial<ScenarioContext> = {},
) {
  const evidenceDir = await mkdtemp(join(tmpdir(), 'engine-'));
  const dir = join(evidenceDir, name);
  let proxy: FakeProxy | undefined;
  const opened: { gpc: boolean }[] = [];
  const evidence = await runScenario({
    name,
    manifest,
    url,
    dir,
    observationMs: 5,
    dialogTimeoutMs: 5,
    backgroundMs: 5,
    deadlineMs: 5_000,
    persona: createPersona(1),
    progress: silentProgress,
    startProxy: async (journal) => (proxy = await createFakeProxy(journal)),
    openSession: async (options) => {
      opened.push(options);
      return session(() => proxy!);
    },
    ...overrides,
  });
  return { evidence, opened, evidenceDir, dir };
}

const actions = (evidence: { timeline: { action: string }[] }) => evidence.timeline.map((entry) => entry.action);

describe('scenario plans (scenarios as data)', () => {
  it('only refuse, withdraw and gpc may end their window early once quiet; idle and accept always watch it whole', () => {
    const settled = Object.entries(scenarioPlans)
      .filter(([, plan]) => plan.steps.some((step) => step.step === 'observe' && step.settle))
      .map(([name]) => name);
    expect(settled).toEqual(['refuse', 'withdraw', 'gpc']);
  });

  it('every plan after a choice ends with background then observe, and only gpc turns GPC on', () => {
    for (const name of ['refuse', 'accept', 'withdraw', 'gpc'] as const) {
      expect(scenarioPlans[name].steps.slice(-2).map((step) => step.step)).toEqual(['background', 'observe']);
    }
    expect(
      Object.entries(scenarioPlans)
        .filter(([, plan]) => plan.session.gpc)
        .map(([name]) => name),
    ).toEqual(['gpc']);
  });

  it('the default scenario list follows the platform: gpc on the web only', () => {
    expect(defaultScenariosFor('web')).toEqual(['idle', 'refuse', 'accept', 'withdraw', 'policy', 'gpc']);
    expect(defaultScenariosFor('android')).toEqual(['idle', 'refuse', 'accept', 'withdraw', 'policy']);
    expect(defaultScenariosFor('ios')).toEqual(['idle', 'refuse', 'accept', 'withdraw', 'policy']);
  });

  it('the engine runs whatever plan it is given, with the session options of the plan, not of the name', async () => {
    const plan: ScenarioPlan = {
      proves: 'test',
      steps: [{ step: 'launch' }, { step: 'dialog' }, { step: 'choose', choice: 'accept' }, { step: 'observe' }],
      session: { gpc: true },
      platforms: ['web'],
    };
    const { evidence, opened } = await run('idle', () => createFakeSession({ displayed: controls }), { plan });
    expect(opened).toEqual([{ proxyUrl: 'http://127.0.0.1:0', gpc: true }]);
    expect(evidence.gpc).toBe(true);
    expect(actions(evidence)).toEqual(['launch', 'dialog-shown', 'screenshot', 'consent-accept', 'observe', 'screenshot']);
  });

  it('the choose step operates the control the session found, and records how it was found', async () => {
    const { consent: _manifestConsent, ...withoutConsent } = manifest;
    const rule = { method: 'cmp-rule' as const, rule: 'test-cmp' };
    let session: ReturnType<typeof createFakeSession> | undefined;
    const { evidence } = await run(
      'accept',
      () =>
        (session = createFakeSession({
          displayed: [...controls, '#cmp', '#cmp-accept'],
          consent: {
            found: true,
            dialog: '#cmp',
            accept: '#cmp-accept',
            reject: '#cmp-reject',
            sources: { dialog: rule, accept: rule, reject: rule },
            candidates: [],
          },
        })),
      { manifest: withoutConsent },
    );
    expect(evidence.status).toBe('completed');
    expect(session!.calls.some((call) => call.includes('#cmp-accept'))).toBe(true);
    expect(evidence.dialog?.found).toEqual({ dialog: rule, accept: rule, reject: rule });
    expect(evidence.timeline.find((entry) => entry.action === 'dialog-shown')?.selector).toBe('#cmp');
    expect(evidence.timeline.find((entry) => entry.action === 'consent-accept')?.detail).toBe('test-cmp, 0 tap(s) away');
  });
});

describe('withdraw, then use again', () => {
  it('withdraws from a settings screen, replays the journey from the entry, relaunches in the same profile and replays it again', async () => {
    let session: ReturnType<typeof createFakeSession> | undefined;
    const { evidence } = await run(
      'withdraw',
      () =>
        (session = createFakeSession({
          displayed: controls,
          // The settings control leads to another screen: the articles are gone until the app restarts.
          screens: { main: ['#article', '#menu'], leaves: ['#settings'] },
        })),
    );
    expect(evidence.status).toBe('completed');
    expect(actions(evidence)).toEqual([
      'launch',
      'dialog-shown',
      'screenshot',
      'consent-accept',
      'tap',
      'tap',
      'tap',
      'withdraw',
      'screenshot',
      'relaunch',
      'tap',
      'relaunch',
      'dialog-shown',
      'tap',
      'tap',
      'background',
      'foreground',
      'observe',
      'screenshot',
    ]);
    const relaunches = evidence.timeline.filter((entry) => entry.action === 'relaunch');
    expect(relaunches[0]?.detail).toBe('journey retried from the entry (#article was not on screen)');
    // The dialog came back after the relaunch (the fake always shows it): refused again as a plain tap.
    expect(evidence.timeline.filter((entry) => entry.action === 'tap').at(-2)).toMatchObject({
      selector: '#reject',
      detail: 'refused again: the consent dialog came back after relaunching',
    });
    expect(evidence.timeline.some((entry) => entry.action === 'consent-reject')).toBe(false);
    expect(session!.calls.filter((call) => call === 'tap #article')).toHaveLength(3);
  });

  it('a journey step missing even from the entry ends the scenario in CONF_SELECTOR_NOT_FOUND naming it', async () => {
    const { evidence } = await run('refuse', () => createFakeSession({ displayed: ['#consent', '#accept', '#reject'] }));
    expect(evidence.status).toBe('error');
    expect(evidence.error).toMatchObject({ code: ErrorCodes.SELECTOR_NOT_FOUND, message: expect.stringContaining('#article') });
    expect(actions(evidence)).toContain('relaunch');
  });

  it('refuse retries its journey from the entry too', async () => {
    const { evidence } = await run('refuse', () =>
      createFakeSession({ displayed: controls, screens: { main: ['#article'], leaves: ['#reject'] } }),
    );
    expect(evidence.status).toBe('completed');
    expect(evidence.timeline.filter((entry) => entry.action === 'relaunch').map((entry) => entry.detail)).toEqual([
      'journey retried from the entry (#article was not on screen)',
      url,
    ]);
  });
});

describe('background', () => {
  it('consent.withdrawal-respected fails on an SDK that flushes only when the app goes to the background', async () => {
    const flushOnHidden = (proxy: () => FakeProxy) =>
      createFakeSession({
        displayed: controls,
        async onAction(action) {
          if (action === 'launch') await proxy().record(now('app.example.test/index.html'));
          if (action === 'background') {
            // The fake is fast: keep the flush a millisecond clear of the steps before it.
            await new Promise((resolve) => setTimeout(resolve, 5));
            await proxy().record(now('collect.vendor.test/v1/flush'));
          }
        },
      });
    const { evidence, evidenceDir } = await run('withdraw', flushOnHidden);
    expect(evidence.status).toBe('completed');
    await writeFile(join(evidenceDir, 'app.yaml'), stringify(manifest));
    const analysis = analyzeBundle(await readEvidenceBundle(evidenceDir));
    const flush = analysis.scenarios[0]!.flows.find((flow) => flow.flow.path === '/v1/flush');
    expect(flush?.phase).toBe('after-withdraw');
    expect(runChecks(analysis).find((check) => check.id === 'consent.withdrawal-respected')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('collect.vendor.test'),
    });
  });

  it('negative control: the same app without the flush passes consent.withdrawal-respected', async () => {
    const quiet = (proxy: () => FakeProxy) =>
      createFakeSession({
        displayed: controls,
        async onAction(action) {
          if (action === 'launch') await proxy().record(now('app.example.test/index.html'));
        },
      });
    const { evidenceDir } = await run('withdraw', quiet);
    await writeFile(join(evidenceDir, 'app.yaml'), stringify(manifest));
    const analysis = analyzeBundle(await readEvidenceBundle(evidenceDir));
    expect(runChecks(analysis).find((check) => check.id === 'consent.withdrawal-respected')?.status).toBe('pass');
  });
});

describe('evidence of what the session could record', () => {
  it('a session without API instrumentation writes no events.json and says so in scenario.json', async () => {
    const { evidence, dir } = await run('idle', () =>
      createFakeSession({ displayed: controls, instrumentation: { apiEvents: false, networkLog: false } }),
    );
    expect(evidence.instrumentation).toEqual({ apiEvents: false, networkLog: false });
    expect(evidence.events).toBeUndefined();
    const files = await readdir(dir);
    expect(files).not.toContain('events.json');
    expect(files).not.toContain('initiators.json');
    expect(files).toContain('scenario.json');
  });

  it('attempted requests of the session are written to attempted.json', async () => {
    const attempt = {
      id: '42.1',
      at: Date.now(),
      method: 'POST',
      url: 'http://collect.vendor.test/v1/batch',
      headers: [['content-type', 'application/json']] as [string, string][],
      postData: '{"e":1}',
      type: 'Fetch',
      errorText: 'net::ERR_FAILED',
      blockedReason: 'mixed-content',
      script: null,
    };
    const { evidence, dir } = await run('idle', () => createFakeSession({ displayed: controls, attempted: [attempt] }));
    expect(evidence.attempted).toEqual([attempt]);
    expect(await readdir(dir)).toContain('attempted.json');
  });
});

describe('settled observation windows', () => {
  const settledPlan: ScenarioPlan = {
    proves: 'test',
    steps: [{ step: 'launch' }, { step: 'observe', settle: true }],
    session: { gpc: false },
    platforms: ['web'],
  };

  it('a quiet network ends a settled window after the settle interval, and the evidence says so', async () => {
    const { evidence } = await run('refuse', () => createFakeSession({ displayed: controls }), {
      plan: settledPlan,
      observationMs: 5_000,
      settleQuietMs: 150,
    });
    expect(evidence.observed).toMatchObject({ plannedMs: 5_000, endedBy: 'quiet', quietMs: 150 });
    expect(evidence.observed!.actualMs).toBeGreaterThanOrEqual(150);
    expect(evidence.observed!.actualMs).toBeLessThan(2_000);
  });

  it('requests that keep coming keep the window open to its end', async () => {
    let proxy: FakeProxy | undefined;
    let beat: NodeJS.Timeout | undefined;
    const { evidence } = await run('refuse', () => createFakeSession({ displayed: controls }), {
      plan: settledPlan,
      observationMs: 600,
      settleQuietMs: 150,
      startProxy: async (journal, onFlow) => {
        proxy = await createFakeProxy(journal);
        beat = setInterval(() => {
          onFlow('collect.example', 'POST https://collect.example/beat');
          void proxy!.record(now('collect.example/beat'));
        }, 40);
        const stop = proxy.stop.bind(proxy);
        return { ...proxy, stop: async () => (clearInterval(beat), stop()) };
      },
    });
    expect(evidence.observed).toMatchObject({ plannedMs: 600, endedBy: 'window' });
    expect(evidence.observed!.actualMs).toBeGreaterThanOrEqual(600);
  });

  it('without a settle interval, or on a step without settle, the whole window is watched', async () => {
    const { evidence } = await run('refuse', () => createFakeSession({ displayed: controls }), {
      plan: settledPlan,
      observationMs: 300,
    });
    expect(evidence.observed).toMatchObject({ endedBy: 'window' });
    const whole = await run('idle', () => createFakeSession({ displayed: controls }), {
      observationMs: 300,
      settleQuietMs: 50,
    });
    expect(whole.evidence.observed).toMatchObject({ plannedMs: 300, endedBy: 'window' });
    expect(whole.evidence.observed!.actualMs).toBeGreaterThanOrEqual(300);
  });
});

describe('relaunchDialogWait', () => {
  it('watches three times the launch delay plus a second, between 2 s and the dialog timeout', () => {
    expect(relaunchDialogWait(300, 10_000)).toBe(2_000);
    expect(relaunchDialogWait(1_500, 10_000)).toBe(5_500);
    expect(relaunchDialogWait(5_000, 10_000)).toBe(10_000);
    expect(relaunchDialogWait(undefined, 10_000)).toBe(10_000);
  });
});
