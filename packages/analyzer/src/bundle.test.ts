import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { analyzeBundle } from './analyze.js';
import { readEvidenceBundle } from './bundle.js';
import { classifyDestination } from './destination.js';

const manifestYaml = `name: sample-app
build: { dist: dist }
firstParty: [app.example.test]
sdks:
  - { name: Vendor Analytics, hosts: [collect.vendor.test] }
consent: { dialog: '#consent', accept: '#accept' }
`;

async function writeBundle(bodyOnDisk: Buffer, recordedSha: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
  await writeFile(join(dir, 'app.yaml'), manifestYaml);
  await writeFile(
    join(dir, 'canaries.json'),
    JSON.stringify({ persona: { seed: 1, locale: 'zh_CN', name: '张伟', phone: '13912345678', email: 'zw@example.cn' } }),
  );
  const scenario = makeScenario('accept', [], [mark('launch', 0), mark('consent-accept', 100)]);
  const flow = makeFlow('https://collect.vendor.test/b', 500, {
    method: 'POST',
    body: { size: bodyOnDisk.length, sha256: recordedSha, encoding: 'file', file: 'bodies/1.bin' },
  });
  const { flows, tlsFailures, ...record } = { ...scenario, flows: [...scenario.flows, flow] };
  await mkdir(join(dir, 'accept', 'bodies'), { recursive: true });
  await writeFile(join(dir, 'accept', 'scenario.json'), JSON.stringify(record));
  await writeFile(join(dir, 'accept', 'timeline.json'), JSON.stringify(record.timeline));
  await writeFile(join(dir, 'accept', 'flows.jsonl'), `${flows.map((f) => JSON.stringify(f)).join('\n')}\n`);
  await writeFile(join(dir, 'accept', 'bodies', '1.bin'), bodyOnDisk);
  void tlsFailures;
  return dir;
}

describe('readEvidenceBundle', () => {
  it('loads a body stored in a file and the canaries, so the persona phone is found in it', async () => {
    const body = Buffer.from(JSON.stringify({ big: 'x'.repeat(5000), contact: { tel: '13912345678' } }));
    const dir = await writeBundle(body, createHash('sha256').update(body).digest('hex'));
    const bundle = await readEvidenceBundle(dir);
    expect(bundle.canaries?.map((c) => c.category)).toEqual(['identity.name', 'contact.phone', 'contact.email']);
    // The body stays in its file until the analysis reaches its flow.
    expect(bundle.scenarios[0]!.flows.at(-1)!.body).toMatchObject({ encoding: 'file', file: 'bodies/1.bin' });
    expect(bundle.scenarios[0]!.flows.at(-1)!.body.data).toBeUndefined();
    const analysis = analyzeBundle(bundle);
    expect(analysis.findings).toEqual([
      expect.objectContaining({
        category: 'contact.phone',
        detector: 'canary:phone',
        path: 'body.json.contact.tel',
        phase: 'after-accept',
      }),
    ]);
  });

  it('reads the journal as a stream: a last line cut short is left out, a bad line is named by its number', async () => {
    const body = Buffer.from('{}');
    const dir = await writeBundle(body, createHash('sha256').update(body).digest('hex'));
    const journal = join(dir, 'accept', 'flows.jsonl');
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, `${text}{"type":"flow","v":1,"id":"cut`);
    const lines = text.split('\n').filter(Boolean).length;
    expect((await readEvidenceBundle(dir)).scenarios[0]!.flows).toHaveLength(lines);
    await writeFile(journal, `${text}{"type":"nonsense"}\n`);
    await expect(readEvidenceBundle(dir)).rejects.toMatchObject({
      code: 'CONF_BUNDLE_INVALID',
      message: expect.stringContaining(`flows.jsonl:${lines + 1}: not a proxy record`),
    });
  });

  it('refuses a body file whose hash does not match the journal', async () => {
    const dir = await writeBundle(Buffer.from('{"a":1}'), '0'.repeat(64));
    await expect(readEvidenceBundle(dir)).rejects.toThrow(/does not match the journal/);
  });

  it('takes a bundle with no scenario when run.json marks it interrupted, and refuses one that is not marked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bundle-empty-'));
    await writeFile(join(dir, 'app.yaml'), manifestYaml);
    const run = {
      tool: { name: 'conformance', version: '0.0.0' },
      startedAt: '2026-01-01T00:00:00.000Z',
      manifest: '/apps/sample/conformance.app.yaml',
      device: 'Pixel 7',
      scenarios: ['idle', 'accept'],
      observationMs: 6000,
      deadlineMs: 96000,
      remote: null,
      node: 'v22.0.0',
    };
    await writeFile(join(dir, 'run.json'), JSON.stringify(run));
    await expect(readEvidenceBundle(dir)).rejects.toMatchObject({
      code: 'CONF_BUNDLE_INVALID',
      message: expect.stringContaining('holds no scenario evidence'),
    });
    await writeFile(
      join(dir, 'run.json'),
      JSON.stringify({ ...run, interrupted: { signal: 'SIGINT', at: '2026-01-01T00:00:01.000Z' } }),
    );
    const bundle = await readEvidenceBundle(dir);
    expect(bundle.scenarios).toEqual([]);
    expect(bundle.requestedScenarios).toEqual(['idle', 'accept']);
    expect(analyzeBundle(bundle).findings).toEqual([]);
  });
});

describe('analyzeBundle findings', () => {
  it('names the organisation of a known tracker and keeps it a third party', () => {
    const manifest = makeManifest();
    expect(classifyDestination('alog.umeng.com', manifest)).toMatchObject({
      kind: 'third-party',
      tracker: { organization: expect.stringMatching(/umeng/i) },
    });
  });

  it('is deterministic: the same bundle gives the same analysis, findings in flow order', () => {
    const manifest = makeManifest();
    const flows = [
      makeFlow('https://t.example.org/b?imei=490154203237518', 900),
      makeFlow('https://t.example.org/a?email=li.na@example.cn&mac=3c:5a:b4:01:02:0f', 300),
    ];
    const bundle = { manifest, scenarios: [makeScenario('accept', flows, [mark('launch', 0), mark('consent-accept', 100)])] };
    const first = analyzeBundle(bundle);
    expect(JSON.parse(JSON.stringify(first.findings))).toEqual(analyzeBundle(bundle).findings);
    expect(first.findings.map((f) => [f.path, f.category])).toEqual([
      ['query.email', 'contact.email'],
      ['query.mac', 'device-id.hardware'],
      ['query.imei', 'device-id.hardware'],
    ]);
    expect(first.scenarios[0]!.flows.map((f) => f.findings.length)).toEqual([0, 2, 1]);
  });
});
