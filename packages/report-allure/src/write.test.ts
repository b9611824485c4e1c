import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryWriter } from 'allure-js-commons/sdk/reporter';
import type { StepResult, TestResult } from 'allure-js-commons';
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, type ItemResult, type Report } from '@conformance/core';
import { writeAllureResults } from './write.js';
import type { FlowEvidence } from './evidence.js';

const ESC = '\u001b';
const hostile = `Accept <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>${ESC}[2J${ESC}]0;pwned\u0007`;
const T = 1_796_000_000_000;

const flowRef = {
  kind: 'flow' as const,
  scenario: 'idle',
  flowId: 'f1',
  method: 'POST',
  url: 'https://collect.x.test/v1?ref=%3Cscript%3E',
  host: 'collect.x.test',
  scheme: 'https',
  phase: 'before-choice' as const,
  sinceLaunchMs: 400,
  destination: 'declared-sdk (X)',
};

function item(overrides: Partial<ItemResult>): ItemResult {
  return {
    id: 'demo.1',
    instrument: 'DEMO',
    clause: 'Art. 1',
    title: 'Nothing leaves before the user chooses',
    category: 'consent',
    severity: 'critical',
    weight: 1,
    mode: 'automated',
    status: 'fail',
    summary: `consent.no-third-party-before-choice: 1 request(s) before any choice`,
    checks: [{ id: 'consent.no-third-party-before-choice', status: 'fail', summary: '1 request(s) before any choice' }],
    evidence: [flowRef, flowRef],
    ...overrides,
  };
}

function report(items: ItemResult[]): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'conformance', version: '0.1.0' },
    app: { name: 'demo', platform: 'web', manifest: '/apps/demo/conformance.app.yaml' },
    startedAt: new Date(T).toISOString(),
    finishedAt: new Date(T + 10_000).toISOString(),
    device: 'Pixel 7',
    scenarios: [{ name: 'idle', status: 'completed', observationMs: 2000, flows: 1, evidenceDir: 'evidence/idle' }],
    platformNoise: { hosts: [], flows: 0 },
    checks: [],
    totals: { pass: 0, fail: 1, 'not-applicable': 0, inconclusive: 0, 'not-run': 0 },
    suites: [
      {
        id: 'demo',
        title: 'Demo',
        source: 'suites/demo',
        score: 0,
        grade: 'F',
        coverage: 1,
        automatedCoverage: 1,
        counts: {
          pass: 0,
          fail: 1,
          inconclusive: 0,
          'not-applicable': 0,
          'not-run': 0,
          manual: 0,
          'attested-pass': 0,
          'attested-fail': 0,
          waived: 0,
        },
        items,
      },
    ],
  };
}

const flow: FlowEvidence = {
  scenario: 'idle',
  flowId: 'f1',
  method: 'POST',
  url: 'https://collect.x.test/v1?ref=%3Cscript%3E',
  startedAt: T + 400,
  phase: 'before-choice',
  destination: 'declared-sdk (X)',
  transport: 'https',
  protection: { class: 'cleartext', structure: 'json', size: 80, layers: [] },
  findings: [
    {
      category: 'device-id.app-scoped',
      role: 'identifier',
      detector: 'canary:localStorage:id',
      path: 'body.json.device',
      transforms: [],
      shown: 'abcd****wxyz',
      raw: `abcdef0123456789wxyz ${hostile}`,
    },
  ],
  har: {
    request: {
      method: 'POST',
      url: 'https://collect.x.test/v1?ref=%3Cscript%3E',
      headers: [{ name: 'content-type', value: 'application/json' }],
      queryString: [{ name: 'ref', value: '<script>' }],
      postData: { mimeType: 'application/json', text: JSON.stringify({ device: `abcdef0123456789wxyz ${hostile}` }) },
    },
    response: { headers: [], content: { size: 0, mimeType: 'text/plain', text: '' } },
  },
};

async function evidence(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'report-allure-'));
  const idle = join(dir, 'evidence', 'idle');
  await mkdir(idle, { recursive: true });
  await writeFile(
    join(idle, 'timeline.json'),
    JSON.stringify([
      { action: 'launch', at: T, done: T + 200, detail: 'https://demo.test/' },
      { action: 'dialog-shown', at: T + 300, done: T + 310, selector: '#consent', detail: hostile },
      { action: 'screenshot', at: T + 500, done: T + 550, detail: 'consent-dialog.png' },
      { action: 'observe', at: T + 600, done: T + 2600, detail: '2000 ms' },
    ]),
  );
  await writeFile(
    join(idle, 'scenario.json'),
    JSON.stringify({
      scenario: 'idle',
      status: 'completed',
      startedAt: T,
      endedAt: T + 3000,
      observationMs: 2000,
      url: 'https://demo.test/',
      capture: { ready: true, journaled: 1, streamed: 1, missingFromStream: [] },
      screenshots: ['consent-dialog.png'],
    }),
  );
  await writeFile(join(idle, 'consent-dialog.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  return dir;
}

async function write(items: ItemResult[], policy = {}) {
  const dir = await evidence();
  const writer = new InMemoryWriter();
  const output = await writeAllureResults({
    report: report(items),
    evidenceDir: join(dir, 'evidence'),
    resultsDir: join(dir, 'allure-results'),
    flows: [flow],
    policy,
    writer,
  });
  return { writer, output, dir };
}

const label = (test: TestResult, name: string) => test.labels.filter((l) => l.name === name).map((l) => l.value);
const allSteps = (steps: StepResult[]): StepResult[] => steps.flatMap((step) => [step, ...allSteps(step.steps)]);
const attachmentText = (writer: InMemoryWriter, source: string) => writer.attachments[source]!.toString('utf8');

describe('writeAllureResults', () => {
  it('writes one test case per item, labelled epic = suite / instrument, feature = category, story = clause', async () => {
    const { writer, output } = await write([
      item({}),
      item({ id: 'demo.2', status: 'pass', category: 'transport', severity: 'low' }),
    ]);
    expect(output.tests).toBe(2);
    expect(writer.tests).toHaveLength(2);
    const [failed, passed] = writer.tests as [TestResult, TestResult];
    expect(label(failed, 'epic')).toEqual(['demo / DEMO']);
    expect(label(failed, 'feature')).toEqual(['consent']);
    expect(label(failed, 'story')).toEqual(['Art. 1']);
    expect(label(failed, 'severity')).toEqual(['critical']);
    expect(label(passed, 'severity')).toEqual(['minor']);
    expect(label(passed, 'feature')).toEqual(['transport']);
    expect(failed.parameters).toEqual([
      { name: 'app', value: 'demo' },
      { name: 'device', value: 'Pixel 7' },
      { name: 'suite', value: 'demo' },
    ]);
    expect(failed.status).toBe('failed');
    expect(passed.status).toBe('passed');
    expect(failed.statusDetails.message).toContain('consent.no-third-party-before-choice: 1 request(s)');
    // Stable across runs of the same app, so Allure's history links them.
    expect(failed.historyId).toBe('demo:demo:demo.1');
  });

  it('maps manual, attested, inconclusive, not-applicable and unknown statuses, never to passed unless passed', async () => {
    const { writer } = await write([
      item({ id: 'demo.m', status: 'manual', mode: 'manual', checks: [], evidence: [], summary: 'needs a person' }),
      item({ id: 'demo.ap', status: 'attested-pass', mode: 'manual', checks: [], evidence: [], summary: 'attested pass by A' }),
      item({ id: 'demo.af', status: 'attested-fail', mode: 'manual', checks: [], evidence: [], summary: 'attested fail by A' }),
      item({
        id: 'demo.i',
        status: 'inconclusive',
        summary: 'the idle scenario did not run',
        checks: [
          { id: 'consent.no-third-party-before-choice', status: 'inconclusive', summary: 'the idle scenario did not run' },
        ],
      }),
      item({ id: 'demo.na', status: 'not-applicable', summary: 'web only' }),
      item({ id: 'demo.w', status: 'waived' as ItemResult['status'], summary: 'accepted until 2027' }),
      item({ id: 'demo.x', status: 'something-new' as ItemResult['status'], summary: 'x' }),
    ]);
    const byId = Object.fromEntries(writer.tests.map((test) => [test.name!.split(' ')[0], test]));
    expect(byId['demo.m']).toMatchObject({
      status: 'skipped',
      statusDetails: { message: expect.stringMatching(/^manual attestation/) },
    });
    expect(byId['demo.ap']!.status).toBe('passed');
    expect(label(byId['demo.ap']!, 'tag')).toContain('attested');
    expect(byId['demo.af']!.status).toBe('failed');
    expect(label(byId['demo.af']!, 'tag')).toContain('attested');
    expect(label(byId['demo.m']!, 'tag')).not.toContain('attested');
    expect(byId['demo.i']).toMatchObject({
      status: 'broken',
      statusDetails: { message: expect.stringMatching(/^inconclusive/) },
    });
    expect(byId['demo.na']!.status).toBe('skipped');
    expect(byId['demo.w']).toMatchObject({ status: 'skipped', statusDetails: { message: expect.stringMatching(/^waived/) } });
    expect(byId['demo.x']!.status).toBe('broken');
  });

  it('writes a screenshot cited by several failed items once, every item pointing at that one copy', async () => {
    const { writer, output } = await write([item({}), item({ id: 'demo.2', clause: 'Art. 2' })]);
    const shots = writer.tests.flatMap((test) =>
      allSteps(test.steps).flatMap((step) => step.attachments.filter((a) => a.type === 'image/png')),
    );
    expect(shots).toHaveLength(2);
    expect(new Set(shots.map((shot) => shot.source)).size).toBe(1);
    const pngs = Object.keys(writer.attachments).filter((source) => source === shots[0]!.source);
    expect(pngs).toHaveLength(1);
    expect(writer.attachments[shots[0]!.source]!.length).toBeGreaterThan(0);
    // The count is of files written: two texts and a HAR per item, one screenshot in all.
    expect(output.attachments).toBe(Object.keys(writer.attachments).length);
  });

  it('makes the scenario a step with its timeline and the cited flow in time order, the flow once, with its evidence attached', async () => {
    const { writer } = await write([item({})]);
    const test = writer.tests[0]!;
    expect(test.steps).toHaveLength(1);
    const scenario = test.steps[0]!;
    expect(scenario.name).toMatch(/^scenario idle \(completed\)/);
    expect(scenario.status).toBe('failed');
    expect(scenario.steps.map((step) => step.name!.split(' ')[0])).toEqual([
      'launch',
      'dialog-shown',
      'flow',
      'screenshot',
      'observe',
    ]);
    const names = scenario.attachments.map((a) => a.type);
    expect(names).toEqual(['text/plain', 'text/plain', 'image/png']);
    const excerpt = attachmentText(writer, scenario.attachments[0]!.source);
    expect(excerpt).toContain('device-id.app-scoped (identifier) at body.json.device');
    expect(excerpt).toContain('⟦abcdef0123456789wxyz');
    const har = JSON.parse(attachmentText(writer, scenario.attachments[1]!.source));
    expect(har.log.entries).toHaveLength(1);
  });

  it('writes nothing an app sent as markup or as a terminal command', async () => {
    const { writer } = await write([
      item({
        summary: hostile,
        title: hostile,
        checks: [{ id: 'consent.reject-as-easy-as-accept', status: 'fail', summary: hostile }],
      }),
    ]);
    const test = writer.tests[0]!;
    const texts = [
      test.name,
      test.statusDetails.message,
      test.statusDetails.trace,
      ...test.labels.map((l) => l.value),
      ...test.parameters.map((p) => p.value),
      ...allSteps(test.steps).map((s) => s.name),
      ...allSteps(test.steps).flatMap((s) => s.attachments.map((a) => a.name)),
    ].join('\n');
    expect(texts).toContain('onerror'); // the text is shown …
    expect(texts).not.toMatch(/[<>"]/); // … but can neither open markup nor leave an attribute
    // eslint-disable-next-line no-control-regex
    expect(texts).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(test.descriptionHtml).toContain('&lt;img src=x onerror=&quot;');
    expect(test.descriptionHtml).not.toMatch(/<(img|script)/i);
    expect(test.description).toBeUndefined(); // Allure renders description as Markdown, raw HTML included
    const attachments = Object.values(writer.attachments)
      .map((buffer) => buffer.toString('utf8'))
      .join('\n');
    // eslint-disable-next-line no-control-regex
    expect(attachments).not.toMatch(/\u001b/);
    const har = writer.tests[0]!.steps[0]!.attachments.find((a) => a.source.endsWith('.har'))!;
    expect(attachmentText(writer, har.source)).not.toMatch(/[<>]/);
  });

  it('leaves bodies out by default and keeps them with keepRaw', async () => {
    const plain = await write([item({})]);
    const harOf = (result: typeof plain) =>
      JSON.parse(
        attachmentText(
          result.writer,
          result.writer.tests[0]!.steps[0]!.attachments.find((a) => a.source.endsWith('.har'))!.source,
        ),
      );
    expect(harOf(plain).log.entries[0].request.postData.text).toMatch(/^\[left out: \d+ bytes; --keep-raw keeps bodies\]$/);
    const raw = await write([item({})], { keepRaw: true });
    expect(harOf(raw).log.entries[0].request.postData.text).toContain('abcdef0123456789wxyz');
    expect(attachmentText(raw.writer, raw.writer.tests[0]!.steps[0]!.attachments[0]!.source)).toContain(
      'request body as recorded',
    );
  });

  it('masks every personal-data value under redact, in the excerpt and in the kept HAR body', async () => {
    const { writer } = await write([item({})], { redact: true, keepRaw: true });
    const scenario = writer.tests[0]!.steps[0]!;
    const excerpt = attachmentText(writer, scenario.attachments[0]!.source);
    const har = attachmentText(writer, scenario.attachments[1]!.source);
    expect(excerpt).toContain('⟦[redacted device-id.app-scoped]⟧');
    expect(`${excerpt}${har}`).not.toContain('abcdef0123456789wxyz');
    expect(har).toContain('[redacted device-id.app-scoped]');
  });

  it('writes environment.properties, categories.json (failures by check) and executor.json to the results folder', async () => {
    const dir = await evidence();
    const resultsDir = join(dir, 'allure-results');
    await writeAllureResults({
      report: report([item({})]),
      evidenceDir: join(dir, 'evidence'),
      resultsDir,
      flows: [flow],
      environment: { 'run.seed': '7' },
    });
    const files = await readdir(resultsDir);
    expect(files.filter((file) => file.endsWith('-result.json'))).toHaveLength(1);
    const environment = await readFile(join(resultsDir, 'environment.properties'), 'utf8');
    expect(environment).toContain('conformance.version=0.1.0');
    expect(environment).toContain('run.seed=7');
    expect(environment).toContain('attachments.redact=false');
    expect(environment).toMatch(/^tools\.allure-js-commons=3\.\d+\.\d+$/m);
    const categories = JSON.parse(await readFile(join(resultsDir, 'categories.json'), 'utf8'));
    const byCheck = categories.find((c: { name: string }) => c.name.includes('consent.no-third-party-before-choice'));
    expect(byCheck.matchedStatuses).toEqual(['failed']);
    expect(
      new RegExp(byCheck.messageRegex.replace('(?s)', ''), 's').test('consent.no-third-party-before-choice: 1 request(s)'),
    ).toBe(true);
    const executor = JSON.parse(await readFile(join(resultsDir, 'executor.json'), 'utf8'));
    expect(executor).toMatchObject({ name: 'conformance', buildName: `demo ${new Date(T).toISOString()}` });
  });
});
