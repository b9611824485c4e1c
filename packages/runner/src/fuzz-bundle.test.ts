import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '@conformance/core';
import { makeFlow, makeScenario, mark } from '@conformance/testing';
import { analyzeEvidence } from './reanalyze.js';

/**
 * Fuzzing of `conformance analyze` with evidence bundles that were edited: one file of a valid
 * bundle is mutated per case. Every case either gives a report or is refused with a
 * ConformanceError that has a code; anything else thrown is a crash of the harness.
 */
const RUNS = 10_000;
const TIMEOUT = 900_000;
const root = join(import.meta.dirname, '..', '..', '..');
const acme = join(root, 'packages', 'checks', 'test', 'fixtures', 'acme-policy');

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runner-fuzz-bundle-'));
  const evidence = join(dir, 'evidence');
  await mkdir(evidence, { recursive: true });
  const big = Buffer.from(JSON.stringify({ tel: '13912345678', pad: 'x'.repeat(70_000) }));
  const sha = createHash('sha256').update(big).digest('hex');
  const early = makeFlow('http://collect.vendor.test/v1/loc?lat=31.230416&lng=121.473701', 800);
  const upload = makeFlow('https://collect.vendor.test/v1/up', 6000, {
    method: 'POST',
    body: { size: big.length, sha256: sha, encoding: 'file', file: `bodies/${sha}` },
  });
  const scenarios = [
    makeScenario('idle', [early]),
    makeScenario('accept', [upload], [mark('launch', 0), mark('consent-accept', 5000)]),
  ];
  const put = async (name: string, text: string) => {
    files[name] = text;
    await writeFile(join(evidence, name), text);
  };
  await put(
    'app.yaml',
    'name: sample-app\nbuild: { dist: dist }\nfirstParty: [app.example.test]\nsdks: [{ name: Vendor Analytics, hosts: [collect.vendor.test] }]\nconsent: { dialog: "#consent", accept: "#accept", reject: "#reject" }\n',
  );
  await put(
    'run.json',
    JSON.stringify({
      tool: { name: 'conformance', version: '0.1.0' },
      startedAt: '2026-12-01T00:00:00.000Z',
      manifest: join(evidence, 'app.yaml'),
      device: 'Pixel 7',
      scenarios: ['idle', 'accept'],
      observationMs: 6000,
      deadlineMs: 96000,
      remote: null,
      node: process.version,
    }),
  );
  await put(
    'canaries.json',
    JSON.stringify({ persona: { seed: 1, locale: 'zh_CN', name: '张伟', phone: '13912345678', email: 'zw@example.cn' } }),
  );
  for (const scenario of scenarios) {
    await mkdir(join(evidence, scenario.scenario, 'bodies'), { recursive: true });
    const { flows, tlsFailures: _tls, timeline, ...record } = scenario;
    await put(`${scenario.scenario}/scenario.json`, JSON.stringify(record));
    await put(`${scenario.scenario}/timeline.json`, JSON.stringify(timeline));
    const ready = { type: 'ready', v: 1, at: scenario.startedAt };
    await put(`${scenario.scenario}/flows.jsonl`, [ready, ...flows].map((line) => JSON.stringify(line)).join('\n') + '\n');
  }
  await put(`accept/bodies/${sha}`, big.toString('utf8'));
});

/** Edits that keep most of a text and break a part of it. */
const mutation = (text: string) =>
  fc.oneof(
    fc
      .tuple(fc.nat(text.length), fc.string({ unit: 'binary', maxLength: 12 }))
      .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
    fc.tuple(fc.nat(text.length), fc.nat(40)).map(([at, length]) => text.slice(0, at) + text.slice(at + length)),
    fc
      .tuple(
        fc.nat(text.length),
        fc.constantFrom('"', '{', '}', '[', ']', ',', ':', 'null', '-1', '1e999', '\n', '"../../etc/passwd"', '\u0000'),
      )
      .map(([at, token]) => text.slice(0, at) + token + text.slice(at)),
  );

describe('fuzzing conformance analyze with edited bundles (10,000 cases)', { timeout: TIMEOUT }, () => {
  it('a valid bundle gives a report (positive control)', async () => {
    const { report } = await analyzeEvidence(dir, join(dir, 'out'), { suites: [acme] });
    expect(report.checks.find((c) => c.id === 'transport.tls-everywhere')?.status).toBe('fail');
  });

  it('one mutated file per case: a report, or a ConformanceError with a code', async () => {
    const names = Object.keys(files);
    const refused = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), mutation(files[name]!))),
        async ([name, text]) => {
          const path = join(dir, 'evidence', name);
          await writeFile(path, text);
          try {
            await analyzeEvidence(dir, join(dir, 'out'), { suites: [acme] });
          } catch (error) {
            if (!(error instanceof ConformanceError) || !error.code.startsWith('CONF_')) throw error;
            refused.set(error.code, (refused.get(error.code) ?? 0) + 1);
          } finally {
            await writeFile(path, files[name]!);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The mutations do break bundles: most are refused, as CONF_BUNDLE_INVALID.
    expect(refused.get('CONF_BUNDLE_INVALID') ?? 0).toBeGreaterThan(RUNS / 10);
    expect(await readFile(join(dir, 'evidence', 'run.json'), 'utf8')).toBe(files['run.json']);
  });
});
