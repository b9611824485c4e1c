import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { analyzeBundle, readEvidenceBundle } from '@conformance/analyzer';
import { runChecks } from '@conformance/checks';
import { ConformanceError, ErrorCodes, type DeviceSession } from '@conformance/core';
import { createFakeProxy, createFakeSession, makeFlow, makeManifest, type FakeProxy } from '@conformance/testing';
import { createPersona } from './persona.js';
import { silentProgress } from './progress.js';
import { runScenario, type ScenarioContext } from './scenario.js';

const manifest = makeManifest({
  consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
  journey: [{ tap: '#article' }, { type: '#phone', text: '{persona.phone}' }],
});
const url = 'https://app.example.test/index.html';
/** A flow starting now; `id` orders flows that start in the same millisecond. */
const now = (path: string, id?: string) =>
  makeFlow(`https://${path}`, 0, { startedAt: Date.now(), completedAt: Date.now(), ...(id ? { id } : {}) });

async function setup(session: (proxy: () => FakeProxy) => DeviceSession, overrides: Partial<ScenarioContext> = {}) {
  const out = await mkdtemp(join(tmpdir(), 'run-'));
  const evidenceDir = join(out, 'evidence');
  let proxy: FakeProxy | undefined;
  const context: ScenarioContext = {
    name: 'accept',
    manifest,
    url,
    dir: join(evidenceDir, 'accept'),
    observationMs: 20,
    dialogTimeoutMs: 20,
    backgroundMs: 10,
    deadlineMs: 5_000,
    persona: createPersona(7),
    progress: silentProgress,
    startProxy: async (journal) => (proxy = await createFakeProxy(journal)),
    openSession: async () => session(() => proxy!),
    ...overrides,
  };
  return { evidenceDir, context };
}

describe('runScenario (fake device, fake proxy, real evidence files)', () => {
  it('stamps each action, writes the bundle, and the checks judge it from disk', async () => {
    const leaky = (proxy: () => FakeProxy) =>
      createFakeSession({
        displayed: ['#consent', '#accept', '#article', '#phone'],
        async onAction(action, target) {
          if (action === 'launch') {
            await proxy().record(now('app.example.test/index.html', '1'));
            await proxy().record(now('collect.vendor.test/v1/early', '2'));
            // The accept tap must come at a later millisecond than these requests.
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          if (target === '#accept') await proxy().record(now('collect.vendor.test/v1/after'));
        },
      });
    const { evidenceDir, context } = await setup(leaky);
    const evidence = await runScenario(context);

    expect(evidence.status).toBe('completed');
    expect(evidence.timeline.map((entry) => entry.action)).toEqual([
      'launch',
      'dialog-shown',
      'screenshot',
      'consent-accept',
      'tap',
      'type',
      'background',
      'foreground',
      'observe',
      'screenshot',
    ]);
    expect(evidence.dialog).toMatchObject({ shown: true, screenshot: 'consent-dialog.png' });
    expect(evidence.timeline.find((entry) => entry.action === 'type')?.detail).toBe('{persona.phone}');
    for (const file of ['scenario.json', 'timeline.json', 'flows.jsonl', 'consent-dialog.png', 'end.png']) {
      await access(join(context.dir, file));
    }

    await writeFile(join(evidenceDir, 'app.yaml'), stringify(manifest));
    const analysis = analyzeBundle(await readEvidenceBundle(evidenceDir));
    const phases = analysis.scenarios[0]!.flows.map((flow) => [flow.flow.path, flow.phase]);
    expect(phases).toEqual([
      ['/index.html', 'before-choice'],
      ['/v1/early', 'before-choice'],
      ['/v1/after', 'after-accept'],
    ]);
    const [consent] = runChecks(analysis);
    // The idle scenario was not run, so the check cannot pass, but the observed leak fails it.
    expect(consent).toMatchObject({ id: 'consent.no-third-party-before-choice', status: 'fail' });
  });

  it('types the seeded persona where the journey says {persona.phone}', async () => {
    let session: ReturnType<typeof createFakeSession> | undefined;
    const { context } = await setup(
      () => (session = createFakeSession({ displayed: ['#consent', '#accept', '#article', '#phone'] })),
    );
    await runScenario(context);
    expect(session!.calls).toContain(`type #phone ${createPersona(7).phone}`);
  });

  it('ends in error with the selector named when the accept button never appears, and still closes the session', async () => {
    let session: ReturnType<typeof createFakeSession> | undefined;
    const { context } = await setup(() => (session = createFakeSession({ displayed: ['#consent'] })));
    const evidence = await runScenario(context);
    expect(evidence.status).toBe('error');
    expect(evidence.error?.message).toContain('#accept');
    expect(session!.calls.at(-1)).toBe('close');
    const record = JSON.parse(await readFile(join(context.dir, 'scenario.json'), 'utf8'));
    expect(record.status).toBe('error');
  });

  it('ends in CONF_PROXY_CRASHED when the proxy dies mid-scenario, keeping what was journaled', async () => {
    const crashing = (proxy: () => FakeProxy) =>
      createFakeSession({
        displayed: ['#consent', '#accept', '#article', '#phone'],
        async onAction(action) {
          if (action === 'launch') {
            await proxy().record(now('app.example.test/index.html'));
            proxy().crash(new ConformanceError(ErrorCodes.PROXY_CRASHED, 'mitmdump stopped'));
            await new Promise(() => undefined);
          }
        },
      });
    const { context } = await setup(crashing);
    const evidence = await runScenario(context);
    expect(evidence.error?.code).toBe(ErrorCodes.PROXY_CRASHED);
    expect(evidence.flows).toHaveLength(1);
  });

  it('ends in CONF_SCENARIO_TIMEOUT at its deadline when the app hangs', async () => {
    const hanging = () => ({ ...createFakeSession(), launch: () => new Promise<void>(() => undefined) });
    const { context } = await setup(hanging, { deadlineMs: 200 });
    const started = Date.now();
    const evidence = await runScenario(context);
    expect(evidence.error?.code).toBe(ErrorCodes.SCENARIO_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
