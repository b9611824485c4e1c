import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@conformance/core';
import { app, check, conformance, readReport } from './helpers.js';

// The checks that read only what every run records (flows and their findings), proven on
// both sides with the real proxy and browser: news-sealed encrypts its SDK's payloads,
// news-careful sends them readable; news-locates-early sends a position, and no identifier,
// to a third party before the user chooses, which news-careful never does.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-new-checks-'));
});

/** Each app is assessed once (idle and accept), by the first test that needs it. */
const runs = new Map<string, Promise<Report>>();
function report(name: string): Promise<Report> {
  if (!runs.has(name)) {
    runs.set(
      name,
      (async () => {
        const out = join(work, name);
        const result = await conformance([
          'run',
          '--app',
          app(name),
          '--out',
          out,
          '--scenarios',
          'idle,accept',
          '--window',
          '2500',
        ]);
        expect(result.stderr).not.toContain('CONF_UNEXPECTED');
        return readReport(out);
      })(),
    );
  }
  return runs.get(name)!;
}

describe('payload.personal-data-encrypted', () => {
  it('payload.personal-data-encrypted passes on news-sealed, whose SDK sends AES-GCM ciphertext', async () => {
    const result = check(await report('news-sealed'), 'payload.personal-data-encrypted');
    expect(result.status).toBe('pass');
    expect(result.summary).toMatch(/carried readable personal data \([1-9]\d* look encrypted/);
    expect(result.evidence).toContainEqual(expect.objectContaining({ kind: 'flow', host: 'collect.vendor-analytics.test' }));
    // The SDK promised encryption in the manifest and kept the promise.
    expect(check(await report('news-sealed'), 'payload.encrypted').status).toBe('pass');
  });

  it('payload.personal-data-encrypted fails on news-careful, whose SDK sends its device id readable under TLS', async () => {
    const result = check(await report('news-careful'), 'payload.personal-data-encrypted');
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('device-id.app-scoped');
    expect(result.evidence[0]).toMatchObject({ kind: 'flow', scheme: 'https', host: 'collect.vendor-analytics.test' });
    // TLS alone is not what this check asks for.
    expect(check(await report('news-careful'), 'transport.tls-everywhere').status).toBe('pass');
  });
});

describe('consent.no-personal-data-before-choice', () => {
  it('consent.no-personal-data-before-choice fails on news-locates-early, whose position goes out before the choice; no-identifier-before-choice passes', async () => {
    const result = check(await report('news-locates-early'), 'consent.no-personal-data-before-choice');
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('location.precise');
    expect(result.evidence[0]).toMatchObject({ kind: 'flow', host: 'api.vendor-weather.test', phase: 'before-choice' });
    expect(check(await report('news-locates-early'), 'consent.no-identifier-before-choice').status).toBe('pass');
  });

  it('consent.no-personal-data-before-choice passes on news-careful, which sends nothing before the choice', async () => {
    expect(check(await report('news-careful'), 'consent.no-personal-data-before-choice')).toMatchObject({
      status: 'pass',
      summary: expect.stringMatching(/^0 request\(s\) to third parties before any choice/),
    });
  });
});
