import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioRecord } from '@conformance/core';
import { app, check, conformance, readReport } from './helpers.js';

// A consent dialog that lives in an iframe on a second origin (a separate renderer under site
// isolation), with no selectors in the manifest: found, operated and recorded through the frame.
describe('a consent dialog inside a cross-origin iframe', () => {
  it('consent.refusal-respected: the dialog in the iframe is found by the heuristics and operated by accept, refuse and withdraw', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cli-frame-')), 'out');
    await conformance([
      'run',
      '--app',
      app('consent-frame-cmp'),
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
    const frame = { selector: '#consent-frame', origin: 'https://consent.frame-cmp.test' };

    const accept = await read<ScenarioRecord>('accept', 'scenario.json');
    expect(accept.status).toBe('completed');
    expect(accept.dialog?.shown).toBe(true);
    expect(accept.dialog?.found?.accept).toMatchObject({ method: 'heuristic', frame });
    expect(accept.dialog?.found?.reject).toMatchObject({ method: 'heuristic', frame });
    expect(accept.dialog?.found?.accept?.confidence).toBeGreaterThanOrEqual(0.6);
    expect(accept.dialog?.text).toContain('Vendor Analytics');
    expect(accept.dialog?.controls?.accept).toMatchObject({ text: 'Accept all', tapsAway: 0 });
    expect(accept.dialog?.controls?.reject).toMatchObject({ text: 'Reject all', tapsAway: 0 });
    const accepted = (await read<ScenarioRecord['timeline']>('accept', 'timeline.json')).find(
      (entry) => entry.action === 'consent-accept',
    );
    expect(accepted?.selector).toMatch(/^#consent-frame \|> /);

    const refused = (await read<ScenarioRecord['timeline']>('refuse', 'timeline.json')).find(
      (entry) => entry.action === 'consent-reject',
    );
    expect(refused?.selector).toMatch(/^#consent-frame \|> /);
    expect(refused?.detail).toMatch(/^heuristic (0\.\d+|1), 0 tap\(s\) away$/);

    // Withdrawn in the app, the dialog frame comes back after the relaunch and is refused again.
    const withdrawTimeline = await read<ScenarioRecord['timeline']>('withdraw', 'timeline.json');
    expect(withdrawTimeline.map((entry) => entry.action)).toContain('withdraw');
    expect(
      withdrawTimeline.find((entry) => entry.detail === 'refused again: the consent dialog came back after relaunching'),
    ).toMatchObject({
      action: 'tap',
      selector: expect.stringMatching(/^#consent-frame \|> /),
    });

    // The choices reached the app: analytics sent after "Accept all" and nothing after "Reject all".
    const hostsOf = async (scenario: string) =>
      (await readFile(join(out, 'evidence', scenario, 'flows.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { host?: string }).host);
    expect(await hostsOf('accept')).toContain('collect.vendor-analytics.test');
    expect(await hostsOf('refuse')).not.toContain('collect.vendor-analytics.test');
    expect(check(report, 'consent.refusal-respected').status).toBe('pass');
    expect(check(report, 'consent.withdrawal-respected').status).toBe('pass');
    expect(check(report, 'consent.not-reprompted-after-refusal').status).toBe('pass');
  });
});
