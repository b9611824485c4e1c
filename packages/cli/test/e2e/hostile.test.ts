import { access, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { app, conformance, readReport } from './helpers.js';

describe('a hostile app', () => {
  it('cannot crash the harness or reach the terminal: the run completes with a hashed report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-hostile-'));
    const run = await conformance([
      'run',
      '--app',
      app('news-hostile'),
      '--out',
      out,
      '--scenarios',
      'accept',
      '--window',
      '8000',
    ]);
    expect(run.stderr).not.toContain('CONF_UNEXPECTED');
    // Its labels and title are full of escape sequences; none reaches either stream.
    // eslint-disable-next-line no-control-regex
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    await access(join(out, 'evidence', 'SHA256SUMS'));
    const report = await readReport(out);
    expect(report.scenarios).toEqual([expect.objectContaining({ name: 'accept', status: 'completed' })]);
    // Everything it sent was recorded, the huge and the malformed alike: a 96 KiB header does not
    // take down the HTTP/2 connection and the requests in flight on it.
    const journal = await readFile(join(out, 'evidence', 'accept', 'flows.jsonl'), 'utf8');
    const paths = journal
      .split('\n')
      .filter((line) => line.includes('"type":"flow"') || line.includes('"type": "flow"'))
      .map((line) => JSON.parse(line) as { host: string; path: string })
      .filter((flow) => flow.host === 'collect.hostile.test')
      .map((flow) => flow.path.split('?')[0]);
    for (const path of [
      '/invalid-utf8',
      '/huge-header',
      '/huge-body',
      '/deep-json',
      '/deep-object',
      '/form',
      '/gzip-bomb',
      '/bad-query',
    ]) {
      expect(paths, path).toContain(path);
    }
    // Its malformed paths on its own host got answers, not a crash.
    expect(journal).toContain('"path":"/%ff"');
    // The run is judged: the checks that need only accept are decided on its evidence.
    for (const id of [
      'optional.location-off-by-default',
      'optional.hardware-ids-off-by-default',
      'collection.no-timer-driven-beacons',
    ]) {
      expect(report.checks.find((check) => check.id === id)?.status, id).toBe('pass');
    }
  });

  it('cannot fill the disk: bodies past --max-body and --max-evidence are stored cut, with their full length and hash, and the checks say so', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-hostile-cap-'));
    const run = await conformance([
      'run',
      '--app',
      app('news-hostile'),
      '--out',
      out,
      '--scenarios',
      'accept',
      '--window',
      '8000',
      '--max-body',
      '1',
      '--max-evidence',
      '2',
    ]);
    expect(run.stderr).not.toContain('CONF_UNEXPECTED');
    const journal = (await readFile(join(out, 'evidence', 'accept', 'flows.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            method?: string;
            path?: string;
            body?: { size: number; truncated?: { size: number } };
          },
      );
    const huge = journal.find((record) => record.type === 'flow' && record.method === 'POST' && record.path === '/huge-body')!;
    // {"filler":"b…"} with 1 MiB of b: cut at 1 MiB, the full length kept.
    expect(huge.body!.size).toBeLessThanOrEqual(1024 * 1024);
    expect(huge.body!.truncated!.size).toBe(1024 * 1024 + 13);
    const stored = journal.reduce((sum, record) => sum + (record.body?.size ?? 0), 0);
    expect(stored).toBeLessThanOrEqual(2 * 1024 * 1024);
    const report = await readReport(out);
    expect(report.checks.find((c) => c.id === 'optional.location-off-by-default')?.summary).toMatch(
      /body\/bodies cut at the evidence cap/,
    );
  });
});
