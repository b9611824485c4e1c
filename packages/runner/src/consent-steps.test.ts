import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, type ScenarioRecord } from '@conformance/core';
import { createFakeProxy, createFakeSession, makeFlow, makeManifest, type FakeProxy } from '@conformance/testing';
import { createPersona } from './persona.js';
import { silentProgress } from './progress.js';
import { runScenario, type ScenarioContext } from './scenario.js';

const url = 'https://app.example.test/index.html';
const noSelectors = makeManifest({ consent: undefined });
const opened: ReturnType<typeof createFakeSession>[] = [];

async function context(
  name: ScenarioContext['name'],
  session: Parameters<typeof createFakeSession>[0],
): Promise<ScenarioContext> {
  const dir = join(await mkdtemp(join(tmpdir(), 'consent-')), name);
  let proxy: FakeProxy | undefined;
  return {
    name,
    manifest: noSelectors,
    url,
    dir,
    observationMs: 10,
    dialogTimeoutMs: 20,
    deadlineMs: 5_000,
    persona: createPersona(1),
    progress: silentProgress,
    startProxy: async (journal) => (proxy = await createFakeProxy(journal)),
    openSession: async () => {
      const fake = createFakeSession({
        ...session,
        onAction: async (action) => {
          if (action === 'launch')
            await proxy!.record(makeFlow('https://app.example.test/index.html', 0, { startedAt: Date.now() }));
        },
      });
      opened.push(fake);
      return fake;
    },
  };
}

describe('consent steps without selectors in the manifest', () => {
  it('CONF_CONSENT_NOT_FOUND lists the candidates when no dialog is found with confidence', async () => {
    const evidence = await runScenario(
      await context('idle', {
        consent: {
          found: false,
          sources: {},
          candidates: [
            { role: 'accept', selector: '#ok', text: 'OK', score: 0.5 },
            { role: 'dialog', selector: '#toast', text: 'saved', score: 0.55 },
          ],
        },
      }),
    );
    expect(evidence.status).toBe('error');
    expect(evidence.error?.code).toBe(ErrorCodes.CONSENT_NOT_FOUND);
    expect(evidence.error?.message).toContain('accept 0.50 #ok "OK"');
    expect(evidence.error?.message).toContain('dialog 0.55 #toast');
    expect(evidence.timeline.map((entry) => entry.action)).toContain('dialog-absent');
  });

  it('records how the dialog and controls were found, outlines them, and keeps the TC string after each choice', async () => {
    const heuristic = { method: 'heuristic' as const, confidence: 0.8, rule: '同意' };
    const ctx = await context('refuse', {
      displayed: ['#bar', '#yes', '#no'],
      consent: {
        found: true,
        dialog: '#bar',
        accept: '#yes',
        reject: '#no',
        sources: { dialog: heuristic, accept: heuristic, reject: { ...heuristic, rule: '不同意' } },
        candidates: [],
      },
      tcf: [
        {
          tcString: 'CQ',
          purposeConsents: [1],
          purposeLegitimateInterests: [],
          vendorConsents: [],
          vendorLegitimateInterests: [],
        },
      ],
    });
    const evidence = await runScenario(ctx);
    expect(evidence.status).toBe('completed');
    expect(evidence.dialog?.found).toEqual({ dialog: heuristic, accept: heuristic, reject: { ...heuristic, rule: '不同意' } });
    const reject = evidence.timeline.find((entry) => entry.action === 'consent-reject');
    expect(reject).toMatchObject({ selector: '#no', detail: 'heuristic 0.8, 0 tap(s) away' });
    expect(evidence.tcf).toEqual([expect.objectContaining({ after: 'consent-reject', tcString: 'CQ', purposeConsents: [1] })]);
    expect(opened.at(-1)!.calls).toContain(`screenshot ${join(ctx.dir, 'consent-dialog.png')} outlining #yes, #no`);
    const written = JSON.parse(await readFile(join(ctx.dir, 'scenario.json'), 'utf8')) as ScenarioRecord;
    expect(written.tcf?.[0]?.purposeConsents).toEqual([1]);
  });

  it('the manifest wins: its selectors are used and marked as such', async () => {
    const ctx = await context('accept', { displayed: ['#consent', '#accept'] });
    ctx.manifest = makeManifest({ consent: { dialog: '#consent', accept: '#accept' } });
    const evidence = await runScenario(ctx);
    expect(evidence.status).toBe('completed');
    expect(evidence.dialog?.found?.accept).toEqual({ method: 'manifest' });
    expect(evidence.tcf).toBeUndefined();
  });
});
