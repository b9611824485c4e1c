import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clickable, DeviceSession } from '@conformance/core';
import { createFakeProxy, createFakeSession, makeManifest } from '@conformance/testing';
import { createPersona } from './persona.js';
import { silentProgress } from './progress.js';
import { runScenario, type ScenarioContext } from './scenario.js';

const base = makeManifest({
  consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
  withdraw: ['#menu', '#settings', '#withdraw'],
  journey: [{ tap: '#article' }],
});
const controls = ['#consent', '#accept', '#reject', '#article', '#menu', '#settings', '#withdraw'];

async function run(name: ScenarioContext['name'], session: DeviceSession, overrides: Partial<ScenarioContext> = {}) {
  const dir = join(await mkdtemp(join(tmpdir(), 'scn-')), name);
  const opened: { gpc: boolean }[] = [];
  const evidence = await runScenario({
    name,
    manifest: base,
    url: 'https://app.example.test/index.html',
    dir,
    observationMs: 5,
    dialogTimeoutMs: 5,
    deadlineMs: 5_000,
    persona: createPersona(1),
    progress: silentProgress,
    startProxy: (journal) => createFakeProxy(journal),
    openSession: async (options) => {
      opened.push(options);
      return session;
    },
    ...overrides,
  });
  return { evidence, opened };
}

describe('refuse', () => {
  it('refuses, uses the app, relaunches and records whether the dialog came back', async () => {
    const session = createFakeSession({ displayed: controls });
    const { evidence } = await run('refuse', session);
    expect(evidence.status).toBe('completed');
    expect(evidence.timeline.map((e) => e.action)).toEqual(
      expect.arrayContaining(['consent-reject', 'tap', 'relaunch', 'dialog-shown']),
    );
    expect(evidence.repromptedAfterRelaunch).toBe(true);
    expect(session.calls).toContain('relaunch https://app.example.test/index.html');
  });
});

describe('withdraw', () => {
  it('marks the last tap of the withdraw path as the withdrawal', async () => {
    const { evidence } = await run('withdraw', createFakeSession({ displayed: controls }));
    const withdrawal = evidence.timeline.filter((e) => e.action === 'withdraw');
    expect(withdrawal).toEqual([expect.objectContaining({ selector: '#withdraw' })]);
    const accept = evidence.timeline.find((e) => e.action === 'consent-accept')!;
    expect(withdrawal[0]!.at).toBeGreaterThanOrEqual(accept.at);
  });

  it('ends in error naming the missing withdraw path', async () => {
    const { evidence } = await run('withdraw', createFakeSession({ displayed: controls }), {
      manifest: { ...base, withdraw: undefined },
    });
    expect(evidence.status).toBe('error');
    expect(evidence.error?.message).toContain('withdraw');
  });
});

describe('policy', () => {
  // Main UI: a menu; the menu opens "About"; About holds the privacy policy link.
  const screens: Record<string, Clickable[]> = {
    '': [
      { selector: '#menu', text: 'Menu' },
      { selector: '#home', text: 'Home' },
    ],
    '#menu': [
      { selector: '#about', text: 'About' },
      { selector: '#help', text: 'Help' },
    ],
    '#menu>#about': [{ selector: '#privacy', text: 'Privacy' }],
  };
  const ui = {
    clickables: (path: string[]) => screens[path.join('>')] ?? [],
    policyAt: (path: string[]) => path.join('>') === '#menu>#about>#privacy',
  };

  it('finds the shortest path to the policy by breadth-first exploration when the manifest gives none', async () => {
    const { evidence } = await run('policy', createFakeSession({ displayed: ['#consent', '#reject'], ui }), {
      manifest: { ...base, privacyPolicy: undefined },
    });
    expect(evidence.policy).toMatchObject({
      reached: true,
      taps: 3,
      path: ['#menu', '#about', '#privacy'],
      method: 'exploration',
    });
  });

  it('follows the manifest path and counts its taps', async () => {
    const { evidence } = await run('policy', createFakeSession({ displayed: ['#consent', '#reject'], ui }), {
      manifest: { ...base, privacyPolicy: { path: ['#menu', '#about', '#privacy'] } },
    });
    expect(evidence.policy).toMatchObject({ reached: true, taps: 3, method: 'manifest-path' });
  });

  it('reports the policy unreached when it is deeper than the exploration goes', async () => {
    const deep = {
      clickables: (path: string[]) => [{ selector: `#level${path.length + 1}`, text: 'next' }],
      policyAt: (path: string[]) => path.length === 6,
    };
    const { evidence } = await run('policy', createFakeSession({ displayed: ['#consent', '#reject'], ui: deep }), {
      manifest: { ...base, privacyPolicy: undefined },
    });
    expect(evidence.policy).toMatchObject({ reached: false, taps: null });
  });
});

describe('gpc', () => {
  it('opens the session with Global Privacy Control on and records it', async () => {
    const { evidence, opened } = await run('gpc', createFakeSession({ displayed: controls }));
    expect(opened).toEqual([expect.objectContaining({ gpc: true })]);
    expect(evidence.gpc).toBe(true);
  });

  it('leaves GPC off in every other scenario', async () => {
    const { evidence, opened } = await run('accept', createFakeSession({ displayed: controls }));
    expect(opened[0]?.gpc).toBe(false);
    expect(evidence.gpc).toBe(false);
  });
});
