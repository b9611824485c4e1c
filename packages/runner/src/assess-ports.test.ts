import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConformanceError, decodeBundleFile, ErrorCodes, type AppManifestInput, type DeviceSession } from '@conformance/core';
import { deviceProfile } from '@conformance/driver-appium';
import { createFakeProxy, createFakeSession, makeFlow, type FakeProxy } from '@conformance/testing';
import { exitCodeFor, runAssessment, startOrder } from './assess.js';
import type { AssessmentPorts } from './ports.js';
import { analyzeEvidence } from './reanalyze.js';
import { verifyRunDir } from './verify.js';

const consent = { dialog: '~consent', accept: '~accept', reject: '~reject' };
const controls = ['~consent', '~accept', '~reject', '~article', '~menu', '~settings', '~withdraw', '~privacy'];

/** The ports of an assessment on the fakes: a journaling fake proxy, and a fake device whose app calls home at launch. */
function fakePorts(home: string, session: () => DeviceSession & { calls: string[] }, url: string) {
  let proxy: FakeProxy | undefined;
  const sessions: { gpc: boolean }[] = [];
  const ports: AssessmentPorts = {
    startProxy: async ({ journalPath }) => (proxy = await createFakeProxy(journalPath)),
    deviceProfile: async () => deviceProfile('Pixel 7', '156'),
    openDevice: async () => ({
      url,
      serve: {},
      canaries: [],
      async openSession(options) {
        sessions.push({ gpc: options.gpc });
        const device = session();
        const launch = device.launch.bind(device);
        return {
          ...device,
          async launch(target) {
            await launch(target);
            await proxy!.record(makeFlow(home, 0, { startedAt: Date.now(), completedAt: Date.now() }));
          },
        };
      },
      close: async () => undefined,
    }),
  };
  return { ports, sessions };
}

async function writeApp(manifest: AppManifestInput, built: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'assess-'));
  await built(dir);
  const file = join(dir, 'conformance.app.yaml');
  await writeFile(file, stringify(manifest));
  return { dir, file };
}

const fast = { observationMs: 5, dialogTimeoutMs: 5, backgroundMs: 5, concurrency: 1 } as const;
const deviceChecks = (ids: string[]) => ids.filter((id) => id.startsWith('api.') || id.startsWith('permissions.'));

describe('runAssessment on fake ports', () => {
  it('a native manifest with no --scenarios runs the platform default (no gpc) and its api/permission checks end inconclusive; exit code 2', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-android',
        platform: 'android',
        appId: 'com.example.news',
        build: { dist: 'news.apk' },
        firstParty: ['api.news.example'],
        consent,
        withdraw: ['~menu', '~settings', '~withdraw'],
        privacyPolicy: { path: ['~menu', '~privacy'] },
        journey: [{ tap: '~article' }],
      },
      (folder) => writeFile(join(folder, 'news.apk'), 'apk'),
    );
    const { ports, sessions } = fakePorts(
      'https://api.news.example/api/config',
      () =>
        createFakeSession({
          displayed: controls,
          instrumentation: { apiEvents: false, networkLog: false },
          ui: { clickables: () => [], policyAt: (path) => path.at(-1) === '~privacy' },
        }),
      'com.example.news',
    );
    const out = join(dir, 'out');
    const result = await runAssessment(
      { app: file, out, deviceSerial: 'emulator-5554', baseline: join(dir, 'no-baseline.json'), ...fast },
      ports,
    );
    const { report } = result;
    expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([
      ['idle', 'completed'],
      ['refuse', 'completed'],
      ['accept', 'completed'],
      ['withdraw', 'completed'],
      ['policy', 'completed'],
    ]);
    expect(sessions.every((session) => !session.gpc)).toBe(true);
    const ids = deviceChecks(report.checks.map((check) => check.id));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      expect(report.checks.find((check) => check.id === id)).toMatchObject({
        status: 'inconclusive',
        // The platform gate speaks first; the evidence also says no instrumentation ran.
        summary: expect.stringMatching(/cannot judge android apps|no instrumentation ran/),
      });
    }
    // The docs: 2 when the run could not observe everything (an inconclusive check).
    expect(report.totals.inconclusive).toBeGreaterThan(0);
    expect(exitCodeFor(report)).toBe(2);
    const evidence = join(out, 'evidence');
    expect(await readdir(join(evidence, 'idle'))).not.toContain('events.json');
    const run = decodeBundleFile('run', await readFile(join(evidence, 'run.json'), 'utf8'), 'run.json');
    expect(run).toMatchObject({ platform: 'android', scenarios: ['idle', 'refuse', 'accept', 'withdraw', 'policy'] });
  });

  it('an Android manifest marked webView runs gpc by default; gpc.honoured is judged from the read-back signal in the evidence', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-hybrid',
        platform: 'android',
        appId: 'com.example.news',
        webView: { context: 'WEBVIEW_com.example.news' },
        build: { dist: 'news.apk' },
        firstParty: ['api.news.example'],
        consent,
        withdraw: ['~menu', '~settings', '~withdraw'],
        privacyPolicy: { path: ['~menu', '~privacy'] },
        journey: [{ tap: '~article' }],
      },
      (folder) => writeFile(join(folder, 'news.apk'), 'apk'),
    );
    const signal = {
      context: 'WEBVIEW_com.example.news',
      header: 'Sec-GPC: 1',
      script: 'navigator.globalPrivacyControl = true',
      readBack: true,
    } as const;
    const fake = fakePorts(
      'https://api.news.example/api/config',
      () =>
        Object.assign(
          createFakeSession({
            displayed: controls,
            instrumentation: { apiEvents: false, networkLog: false },
            ui: { clickables: () => [], policyAt: (path) => path.at(-1) === '~privacy' },
          }),
          fake.sessions.at(-1)?.gpc ? { gpcSignal: signal } : {},
        ),
      'com.example.news',
    );
    const out = join(dir, 'out');
    const { report } = await runAssessment(
      { app: file, out, deviceSerial: 'emulator-5554', baseline: join(dir, 'no-baseline.json'), ...fast },
      fake.ports,
    );
    expect(report.scenarios.map((scenario) => scenario.name)).toEqual(['idle', 'refuse', 'accept', 'withdraw', 'policy', 'gpc']);
    expect(fake.sessions.map((session) => session.gpc)).toEqual([false, false, false, false, false, true]);
    const gpc = decodeBundleFile(
      'scenario',
      await readFile(join(out, 'evidence', 'gpc', 'scenario.json'), 'utf8'),
      'scenario.json',
    );
    expect(gpc).toMatchObject({ status: 'completed', gpc: true, gpcSignal: signal });
    const idle = decodeBundleFile(
      'scenario',
      await readFile(join(out, 'evidence', 'idle', 'scenario.json'), 'utf8'),
      'scenario.json',
    );
    expect(idle.gpcSignal).toBeUndefined();
    expect(report.checks.find((check) => check.id === 'gpc.honoured')).toMatchObject({ status: 'pass' });
  });

  it('negative control: the same checks on an instrumented (web) session that recorded no events pass', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-web',
        build: { dist: 'dist' },
        firstParty: ['news.example.test'],
        consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
        journey: [{ tap: '#article' }],
      },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    const url = 'https://news.example.test/index.html';
    const { ports, sessions } = fakePorts(
      url,
      () => createFakeSession({ displayed: ['#consent', '#accept', '#reject', '#article'] }),
      url,
    );
    const { report } = await runAssessment(
      { app: file, out: join(dir, 'out'), scenarios: ['idle', 'accept', 'gpc'], baseline: join(dir, 'none.json'), ...fast },
      ports,
    );
    expect(sessions.map((session) => session.gpc)).toEqual([false, false, true]);
    expect(report.scenarios.every((scenario) => scenario.status === 'completed')).toBe(true);
    for (const id of deviceChecks(report.checks.map((check) => check.id))) {
      expect(
        report.checks.find((check) => check.id === id),
        id,
      ).toMatchObject({ status: 'pass' });
    }
  });

  it('runs web scenarios --concurrency at a time, each with its own proxy and session, and reports where the time went', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-web',
        build: { dist: 'dist' },
        firstParty: ['news.example.test'],
        consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
        withdraw: ['#menu', '#settings', '#withdraw'],
        journey: [{ tap: '#article' }],
      },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    let open = 0;
    let most = 0;
    let proxies = 0;
    const started: string[] = [];
    const ports: AssessmentPorts = {
      startProxy: async ({ journalPath }) => (
        proxies++,
        started.push(basename(dirname(journalPath))),
        createFakeProxy(journalPath)
      ),
      deviceProfile: async () => deviceProfile('Pixel 7', '156'),
      openDevice: async () => ({
        url: 'https://news.example.test/index.html',
        serve: {},
        canaries: [],
        async openSession() {
          most = Math.max(most, ++open);
          const device = createFakeSession({
            displayed: ['#consent', '#accept', '#reject', '#article', '#menu', '#settings', '#withdraw'],
          });
          const close = device.close.bind(device);
          return { ...device, close: async () => (open--, close()) };
        },
        close: async () => undefined,
      }),
    };
    const scenarios = ['idle', 'refuse', 'accept', 'withdraw'] as const;
    const { report } = await runAssessment(
      {
        app: file,
        out: join(dir, 'out'),
        scenarios,
        baseline: join(dir, 'none.json'),
        ...fast,
        observationMs: 60,
        concurrency: 2,
      },
      ports,
    );
    expect(most).toBe(2);
    expect(proxies).toBe(4);
    // The longest plans start first; the report keeps the requested order.
    expect(started.slice(0, 2).sort()).toEqual(['refuse', 'withdraw']);
    expect(started.slice(2).sort()).toEqual(['accept', 'idle']);
    expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual(
      scenarios.map((name) => [name, 'completed']),
    );
    expect(report.timing).toMatchObject({ concurrency: 2 });
    expect(report.timing!.scenarios.map((scenario) => scenario.name).sort()).toEqual([...scenarios].sort());
    for (const scenario of report.timing!.scenarios) {
      expect(scenario.windowsMs, scenario.name).toBeGreaterThanOrEqual(60);
      expect(scenario.wallMs).toBeGreaterThanOrEqual(scenario.windowsMs);
    }
    expect(report.timing!.totalMs).toBeGreaterThanOrEqual(report.timing!.scenariosMs);
  });

  it('starts the first proxies while the device side is still starting; sessions wait for it', async () => {
    const { dir, file } = await writeApp(
      { name: 'news-web', build: { dist: 'dist' }, firstParty: ['news.example.test'], consent, journey: [] },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    let isReady = false;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve)).then(() => {
      isReady = true;
    });
    const proxiesBeforeReady: string[] = [];
    const sessionsBeforeReady: string[] = [];
    const ports: AssessmentPorts = {
      startProxy: async ({ journalPath }) => {
        if (!isReady) proxiesBeforeReady.push(basename(dirname(journalPath)));
        // The device side comes up once both lanes have their proxy.
        if (proxiesBeforeReady.length === 2) markReady();
        return createFakeProxy(journalPath);
      },
      deviceProfile: async () => deviceProfile('Pixel 7', '156'),
      openDevice: async () => ({
        url: 'https://news.example.test/index.html',
        serve: {},
        canaries: [],
        ready,
        async openSession() {
          if (!isReady) sessionsBeforeReady.push('opened');
          await ready;
          return createFakeSession({ displayed: controls });
        },
        close: async () => undefined,
      }),
    };
    const { report } = await runAssessment(
      {
        app: file,
        out: join(dir, 'out'),
        scenarios: ['idle', 'refuse'],
        baseline: join(dir, 'none.json'),
        ...fast,
        concurrency: 2,
      },
      ports,
    );
    expect(proxiesBeforeReady.sort()).toEqual(['idle', 'refuse']);
    expect(report.scenarios.map((scenario) => scenario.status)).toEqual(['completed', 'completed']);
  });

  it('a device side that cannot start ends the run with its cause: no further scenario starts, the rig is closed', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-web',
        build: { dist: 'dist' },
        firstParty: ['news.example.test'],
        consent,
        withdraw: ['~menu', '~settings', '~withdraw'],
        journey: [],
      },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    const failure = new ConformanceError(ErrorCodes.DRIVER_START, 'the Appium server exited with code 1 while starting');
    const ready = Promise.reject(failure);
    ready.catch(() => undefined);
    const started: string[] = [];
    let closed = 0;
    const ports: AssessmentPorts = {
      startProxy: async ({ journalPath }) => (started.push(basename(dirname(journalPath))), createFakeProxy(journalPath)),
      deviceProfile: async () => deviceProfile('Pixel 7', '156'),
      openDevice: async () => ({
        url: 'https://news.example.test/index.html',
        serve: {},
        canaries: [],
        ready,
        async openSession() {
          await ready;
          return createFakeSession({ displayed: controls });
        },
        close: async () => void closed++,
      }),
    };
    await expect(
      runAssessment(
        {
          app: file,
          out: join(dir, 'out'),
          scenarios: ['idle', 'refuse', 'accept', 'withdraw'],
          baseline: join(dir, 'none.json'),
          ...fast,
          concurrency: 2,
        },
        ports,
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.DRIVER_START });
    expect(started.length).toBeLessThanOrEqual(2);
    expect(closed).toBe(1);
    // What was gathered stays on disk.
    await expect(readFile(join(dir, 'out', 'evidence', 'run.json'), 'utf8')).resolves.toContain('conformance.app.yaml');
  });

  it('an abort mid-scenario stops it at once, closes device and proxy, and marks run.json and the report interrupted', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-web',
        build: { dist: 'dist' },
        firstParty: ['news.example.test'],
        consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
      },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    const url = 'https://news.example.test/index.html';
    const controller = new AbortController();
    const closed: string[] = [];
    const { ports } = fakePorts(
      url,
      () => {
        const session = createFakeSession({ displayed: ['#consent', '#accept', '#reject'] });
        return {
          ...session,
          async launch(target: string) {
            await session.launch(target);
            // The user presses Ctrl-C while the scenario observes.
            setTimeout(() => controller.abort('SIGINT'), 50);
          },
          async close() {
            closed.push('session');
            await session.close();
          },
        };
      },
      url,
    );
    const openDevice = ports.openDevice;
    ports.openDevice = async (options) => {
      const device = await openDevice(options);
      return { ...device, close: async () => void closed.push('device') };
    };
    const out = join(dir, 'out');
    const started = Date.now();
    const { report } = await runAssessment(
      {
        app: file,
        out,
        scenarios: ['idle', 'accept'],
        baseline: join(dir, 'none.json'),
        ...fast,
        observationMs: 60_000,
        signal: controller.signal,
      },
      ports,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(closed).toEqual(['session', 'device']);
    expect(report.interrupted).toMatchObject({ signal: 'SIGINT' });
    expect(report.scenarios).toEqual([
      expect.objectContaining({ name: 'idle', status: 'error', error: expect.objectContaining({ code: 'CONF_INTERRUPTED' }) }),
    ]);
    // idle was cut short and accept never started: both leave their checks inconclusive.
    expect(report.checks.find((c) => c.id === 'consent.no-third-party-before-choice')?.status).toBe('inconclusive');
    expect(report.checks.find((c) => c.id === 'optional.location-off-by-default')?.evidence[0]).toMatchObject({
      kind: 'scenario',
      scenario: 'accept',
      status: 'missing',
    });
    const evidence = join(out, 'evidence');
    const run = decodeBundleFile('run', await readFile(join(evidence, 'run.json'), 'utf8'), 'run.json');
    expect(run.interrupted).toMatchObject({ signal: 'SIGINT' });
    // The mark is written before the hashes, so it is part of what they cover.
    expect(await readFile(join(evidence, 'SHA256SUMS'), 'utf8')).toMatch(/ {2}run\.json$/m);
  });

  it('an abort before the first scenario still writes a hashed, interrupted report with every check inconclusive or not-run', async () => {
    const { dir, file } = await writeApp(
      { name: 'news-web', build: { dist: 'dist' }, firstParty: ['news.example.test'], consent },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const url = 'https://news.example.test/index.html';
    const { ports, sessions } = fakePorts(url, () => createFakeSession({ displayed: [] }), url);
    const out = join(dir, 'out');
    const { report } = await runAssessment(
      {
        app: file,
        out,
        scenarios: ['idle'],
        baseline: join(dir, 'none.json'),
        ...fast,
        signal: controller.signal,
      },
      ports,
    );
    expect(sessions).toEqual([]);
    expect(report).toMatchObject({ interrupted: { signal: 'SIGTERM' }, scenarios: [] });
    expect(report.checks.every((c) => c.status === 'inconclusive' || c.status === 'not-run')).toBe(true);
    expect(report.totals.inconclusive).toBeGreaterThan(0);
    // The bundle is whole: analyze re-derives the same report from it, and verify holds.
    const again = await analyzeEvidence(out, join(dir, 'again'));
    expect(again.report).toMatchObject({ interrupted: { signal: 'SIGTERM' }, scenarios: [] });
    expect(again.report.checks.map((c) => [c.id, c.status])).toEqual(report.checks.map((c) => [c.id, c.status]));
    expect(again.report.suites).toEqual(report.suites);
    expect(await verifyRunDir(out)).toMatchObject({ ok: true, checks: report.checks.length });
  });

  it.each([
    ['while the device closes', 'close'],
    ['while the evidence is hashed and judged', 'judge'],
  ] as const)(
    'a signal after every scenario finished (%s) marks nothing: the report is whole and gates as usual',
    async (_, when) => {
      const { dir, file } = await writeApp(
        { name: 'news-web', build: { dist: 'dist' }, firstParty: ['news.example.test'], consent },
        async (folder) => {
          await mkdir(join(folder, 'dist'));
          await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
        },
      );
      const controller = new AbortController();
      const url = 'https://news.example.test/index.html';
      const { ports } = fakePorts('https://tracker.example.test/p', () => createFakeSession({ displayed: controls }), url);
      const openDevice = ports.openDevice;
      ports.openDevice = async (options) => {
        const device = await openDevice(options);
        // Ctrl-C once the last scenario has returned: the device is closing, analysis is next.
        return when === 'close' ? { ...device, close: async () => void controller.abort('SIGINT') } : device;
      };
      const warnings: string[] = [];
      const out = join(dir, 'out');
      const options = { app: file, scenarios: ['idle'] as const, baseline: join(dir, 'none.json'), ...fast };
      // The same run with no signal, to compare with.
      const { report: control } = await runAssessment(
        { ...options, out: join(dir, 'control') },
        fakePorts('https://tracker.example.test/p', () => createFakeSession({ displayed: controls }), url).ports,
      );
      const { report } = await runAssessment(
        {
          ...options,
          out,
          signal: controller.signal,
          progress: {
            step: () => undefined,
            // Ctrl-C once the evidence is hashed: the bundle is read back and judged next.
            detail: (message) => {
              if (when === 'judge' && message.startsWith('evidence: ')) controller.abort('SIGINT');
            },
            warn: (message) => void warnings.push(message),
          },
        },
        ports,
      );
      expect(controller.signal.aborted).toBe(true);
      expect(warnings).toContain('SIGINT after every scenario had finished: the observation is complete; finishing the report');
      expect(report.interrupted).toBeUndefined();
      expect(report.scenarios).toEqual([expect.objectContaining({ name: 'idle', status: 'completed' })]);
      const run = decodeBundleFile('run', await readFile(join(out, 'evidence', 'run.json'), 'utf8'), 'run.json');
      expect(run.interrupted).toBeUndefined();
      // The tracker called before any choice fails idle's checks; every verdict and the gate's
      // code are those of the run no signal reached.
      expect(report.checks.find((c) => c.id === 'consent.no-third-party-before-choice')?.status).toBe('fail');
      expect(report.checks.map((c) => [c.id, c.status])).toEqual(control.checks.map((c) => [c.id, c.status]));
      expect(exitCodeFor(report)).toBe(exitCodeFor(control));
      expect(await readdir(out)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
      expect(await verifyRunDir(out)).toMatchObject({ ok: true });
    },
  );

  it('writes the Allure results after report.json: one result per suite item, the cited flow attached as excerpt and HAR', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'news-allure',
        build: { dist: 'dist' },
        firstParty: ['news.example.test'],
        consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
      },
      async (folder) => {
        await mkdir(join(folder, 'dist'));
        await writeFile(join(folder, 'dist', 'index.html'), '<!doctype html>');
      },
    );
    const { ports } = fakePorts(
      'https://tracker.example.test/p?x=1',
      () => createFakeSession({ displayed: ['#consent', '#accept', '#reject'] }),
      'https://news.example.test/index.html',
    );
    const out = join(dir, 'out');
    const result = await runAssessment(
      { app: file, out, scenarios: ['idle'], baseline: join(dir, 'none.json'), seed: 7, ...fast },
      ports,
    );
    expect(result.allureResults).toBe(join(out, 'allure-results'));
    const files = await readdir(result.allureResults);
    const results = await Promise.all(
      files
        .filter((name) => name.endsWith('-result.json'))
        .map(async (name) => JSON.parse(await readFile(join(result.allureResults, name), 'utf8'))),
    );
    const items = result.report.suites.flatMap((suite) => suite.items);
    expect(results).toHaveLength(items.length);
    const failed = results.find((test) => test.name.startsWith(items.find((item) => item.status === 'fail')!.id));
    expect(failed.status).toBe('failed');
    const attachments = failed.steps[0].attachments as { name: string; source: string }[];
    expect(attachments.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('https://tracker.example.test/p?x=1'),
        expect.stringMatching(/^HAR of the 1 cited flow/),
      ]),
    );
    const har = JSON.parse(
      await readFile(join(result.allureResults, attachments.find((a) => a.source.endsWith('.har'))!.source), 'utf8'),
    );
    expect(har.log.entries.map((entry: { request: { url: string } }) => entry.request.url)).toEqual([
      'https://tracker.example.test/p?x=1',
    ]);
    expect(await readFile(join(result.allureResults, 'environment.properties'), 'utf8')).toContain('run.seed=7');
  });

  it('a manifest with no withdraw path: the default protocol leaves withdraw out, says why, and its checks are not-run with the reason', async () => {
    const { dir, file } = await writeApp(
      {
        name: 'no-withdraw',
        platform: 'web',
        entry: '/index.html',
        build: { dist: 'dist' },
        firstParty: ['no-withdraw.example.test'],
        consent,
      },
      (folder) => mkdir(join(folder, 'dist')).then(() => writeFile(join(folder, 'dist', 'index.html'), '<p>app</p>')),
    );
    const warnings: string[] = [];
    const progress = { step: () => undefined, detail: () => undefined, warn: (line: string) => warnings.push(line) };
    const { ports } = fakePorts(
      'https://no-withdraw.example.test/',
      () => createFakeSession({ displayed: controls }),
      'https://no-withdraw.example.test/',
    );
    const out = join(dir, 'out');
    const { report } = await runAssessment({ app: file, out, baseline: join(dir, 'no-baseline.json'), progress, ...fast }, ports);
    expect(report.scenarios.map((scenario) => scenario.name)).toEqual(['idle', 'refuse', 'accept', 'policy', 'gpc']);
    expect(warnings).toEqual([expect.stringMatching(/^withdraw left out: the manifest declares no withdraw path/)]);
    const run = decodeBundleFile('run', await readFile(join(out, 'evidence', 'run.json'), 'utf8'), 'run.json');
    expect(run.leftOut).toEqual([{ scenario: 'withdraw', reason: expect.stringContaining('no withdraw path') }]);
    const withdrawal = report.checks.find((check) => check.id === 'consent.withdrawal-respected');
    expect(withdrawal).toMatchObject({
      status: 'not-run',
      summary: expect.stringContaining('withdraw, left out of this run: the manifest declares no withdraw path'),
    });
    // Re-analysed from the bundle alone, the reason is the same.
    const again = await analyzeEvidence(out);
    expect(again.report.checks.find((check) => check.id === 'consent.withdrawal-respected')?.summary).toBe(withdrawal?.summary);
  });

  it('withdraw asked for without a withdraw path stops the run before it starts, naming the fix (negative control: with the path it runs)', async () => {
    const manifest: AppManifestInput = {
      name: 'ask-withdraw',
      platform: 'web',
      entry: '/index.html',
      build: { dist: 'dist' },
      firstParty: ['ask.example.test'],
      consent,
    };
    const build = (folder: string) =>
      mkdir(join(folder, 'dist')).then(() => writeFile(join(folder, 'dist', 'index.html'), '<p>app</p>'));
    const without = await writeApp(manifest, build);
    let opened = 0;
    const { ports } = fakePorts(
      'https://ask.example.test/',
      () => createFakeSession({ displayed: controls }),
      'https://ask.example.test/',
    );
    const counting: AssessmentPorts = { ...ports, openDevice: (options) => (opened++, ports.openDevice(options)) };
    await expect(runAssessment({ app: without.file, scenarios: ['withdraw'], ...fast }, counting)).rejects.toMatchObject({
      code: ErrorCodes.MANIFEST_INVALID,
      message: expect.stringContaining('"withdraw" path'),
      hint: expect.stringContaining('add withdraw:'),
    });
    expect(opened).toBe(0);
    const withPath = await writeApp({ ...manifest, withdraw: ['~menu', '~settings', '~withdraw'] }, build);
    const { report } = await runAssessment(
      {
        app: withPath.file,
        out: join(withPath.dir, 'out'),
        baseline: join(withPath.dir, 'none.json'),
        scenarios: ['withdraw'],
        ...fast,
      },
      counting,
    );
    expect(report.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([['withdraw', 'completed']]);
  });

  it('gpc asked for on a native platform is a usage error naming the platform', async () => {
    const { file } = await writeApp(
      { name: 'n', platform: 'ios', appId: 'com.example.n', build: { dist: 'N.app' }, firstParty: ['n.example'], consent },
      (folder) => mkdir(join(folder, 'N.app')),
    );
    await expect(
      runAssessment({ app: file, scenarios: ['gpc'] }, fakePorts('https://n.example/', createFakeSession, 'x').ports),
    ).rejects.toMatchObject({
      code: 'CONF_USAGE',
      message: expect.stringContaining('not to platform ios'),
    });
  });

  it('gpc asked for on an Android app not marked webView is a usage error whose hint names the marker', async () => {
    const { file } = await writeApp(
      { name: 'n', platform: 'android', appId: 'com.example.n', build: { dist: 'n.apk' }, firstParty: ['n.example'], consent },
      (folder) => writeFile(join(folder, 'n.apk'), 'apk'),
    );
    await expect(
      runAssessment({ app: file, scenarios: ['gpc'] }, fakePorts('https://n.example/', createFakeSession, 'x').ports),
    ).rejects.toMatchObject({
      code: 'CONF_USAGE',
      message: expect.stringContaining('and to android apps whose UI is a web view'),
      hint: expect.stringContaining('webView: true'),
    });
  });

  it('gpc on an iOS app marked webView is still a usage error (no DevTools protocol in an iOS web view)', async () => {
    const { file } = await writeApp(
      {
        name: 'n',
        platform: 'ios',
        appId: 'com.example.n',
        webView: true,
        build: { dist: 'N.app' },
        firstParty: ['n.example'],
        consent,
      },
      (folder) => mkdir(join(folder, 'N.app')),
    );
    await expect(
      runAssessment({ app: file, scenarios: ['gpc'] }, fakePorts('https://n.example/', createFakeSession, 'x').ports),
    ).rejects.toMatchObject({
      code: 'CONF_USAGE',
      message: expect.stringContaining('not to platform ios (even with webView)'),
      hint: expect.not.stringContaining('webView: true'),
    });
  });
});

describe('startOrder', () => {
  const basis = { observationMs: 6_000, settleMs: 3_000, journeySteps: 3, journeyWaits: 0 };

  it('starts the longest plans first and keeps the requested order between equals', () => {
    const names = ['idle', 'refuse', 'accept', 'withdraw', 'policy', 'gpc'] as const;
    expect(startOrder(names, basis).map((index) => names[index])).toEqual([
      'withdraw',
      'refuse',
      'accept',
      'gpc',
      'idle',
      'policy',
    ]);
  });

  it('lengthens idle and accept with the window: a 60 s window puts the whole-window plans first', () => {
    const names = ['refuse', 'idle', 'accept'] as const;
    const order = startOrder(names, { ...basis, observationMs: 60_000 }).map((index) => names[index]);
    expect(order).toEqual(['accept', 'idle', 'refuse']);
  });

  it('is a permutation of the requested scenarios', () => {
    const names = ['gpc', 'policy', 'idle'] as const;
    expect(startOrder(names, basis).sort()).toEqual([0, 1, 2]);
  });
});
