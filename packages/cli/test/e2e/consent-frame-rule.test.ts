import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowRecord, ScenarioRecord } from '@conformance/core';
import { app, check, conformance, readReport } from './helpers.js';

// A consent dialog in a cross-origin iframe whose markup an autoconsent frame rule knows
// (piano.io: frames only, #piano-cookie_banner), with no selectors in the manifest: the rule
// running inside the frame finds and operates it, not the keyword heuristics.
describe('a consent dialog inside a cross-origin iframe, known to an autoconsent frame rule', () => {
  it('consent.refusal-respected: the piano.io frame rule finds the dialog in the iframe and operates accept, refuse and withdraw', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cli-frame-rule-')), 'out');
    await conformance([
      'run',
      '--app',
      app('consent-frame-rule'),
      '--out',
      out,
      '--scenarios',
      'accept,refuse,withdraw',
      '--window',
      '1500',
    ]);
    const report = await readReport(out);
    const read = async <T>(scenario: string, file: string) =>
      JSON.parse(await readFile(join(out, 'evidence', scenario, file), 'utf8')) as T;
    const timeline = (scenario: string) => read<ScenarioRecord['timeline']>(scenario, 'timeline.json');
    const flows = async (scenario: string) =>
      (await readFile(join(out, 'evidence', scenario, 'flows.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FlowRecord);
    const byRule = {
      method: 'cmp-rule',
      rule: 'piano.io',
      frame: { selector: '#piano-consent-frame', origin: 'https://consent.frame-rule.test' },
    };

    const accept = await read<ScenarioRecord>('accept', 'scenario.json');
    expect(accept.status).toBe('completed');
    expect(accept.dialog?.shown).toBe(true);
    // Found by the rule's name, every control of it: no heuristic confidence anywhere.
    expect(accept.dialog?.found).toEqual({ dialog: byRule, accept: byRule, reject: byRule });
    expect(accept.dialog?.text).toContain('Vendor Analytics');
    expect(accept.dialog?.controls?.accept).toMatchObject({ text: 'Accept', tapsAway: 0 });
    expect(accept.dialog?.controls?.reject).toMatchObject({ text: 'Continue without accepting', tapsAway: 0 });
    const accepted = (await timeline('accept')).find((entry) => entry.action === 'consent-accept');
    expect(accepted).toMatchObject({
      selector: '#piano-consent-frame |> #piano-cookie_banner [data-acceptance-button]',
      // The rule reported its opt-in result (the banner stays until its fade-out ends).
      detail: 'piano.io, 0 tap(s) away',
    });

    const refused = (await timeline('refuse')).find((entry) => entry.action === 'consent-reject');
    expect(refused).toMatchObject({
      selector: '#piano-consent-frame |> #piano-cookie_banner [data-close-button]',
      detail: 'piano.io, 0 tap(s) away',
    });

    // Withdrawn in the app, the banner frame comes back after the relaunch and is refused again.
    const withdrawTimeline = await timeline('withdraw');
    expect(withdrawTimeline.find((entry) => entry.action === 'consent-accept')?.detail).toMatch(/^piano\.io/);
    expect(withdrawTimeline.map((entry) => entry.action)).toContain('withdraw');
    expect(
      withdrawTimeline.find((entry) => entry.detail === 'refused again: the consent dialog came back after relaunching'),
    ).toMatchObject({ action: 'tap', selector: expect.stringMatching(/^#piano-consent-frame \|> /) });

    // The choices reached the app: analytics start only once "Accept" was operated, never after the refusal.
    const analytics = (records: FlowRecord[]) => records.filter((flow) => flow.host === 'collect.vendor-analytics.test');
    const sentOnAccept = analytics(await flows('accept'));
    expect(sentOnAccept.length).toBeGreaterThan(0);
    expect(Math.min(...sentOnAccept.map((flow) => flow.startedAt))).toBeGreaterThanOrEqual(accepted!.at);
    expect(analytics(await flows('refuse'))).toEqual([]);
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
    expect(check(report, 'consent.withdrawal-respected').status).toBe('pass');
    expect(check(report, 'consent.not-reprompted-after-refusal').status).toBe('pass');
  });
});
