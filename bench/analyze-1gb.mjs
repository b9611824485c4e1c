// Streaming analysis of a large capture: writes a synthetic evidence bundle of about 1 GB
// (`--mb <n>` to change it) into a temporary folder, then runs `conformance analyze`'s code path
// (analyzeEvidence of @conformance/runner) on it in a child process and prints the time and the
// child's peak RSS (process.resourceUsage().maxRSS). Generation is not timed. Build first
// (npx nx run-many -t build). Usage: npm run bench:analyze [-- --mb 1024 --body-kb 256 --small 10000 --keep]
// (--mb: MiB of bodies in files of --body-kb KiB each; --small: small inline flows per scenario).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeFlow, makeScenario, mark } from '@conformance/testing';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '1024' },
    small: { type: 'string', default: '10000' },
    'body-kb': { type: 'string', default: '256' },
    keep: { type: 'boolean', default: false },
    analyze: { type: 'string' },
  },
});

if (values.analyze) {
  // Child: the measured part.
  const { analyzeEvidence } = await import('@conformance/runner');
  const started = performance.now();
  const result = await analyzeEvidence(values.analyze, join(values.analyze, 'out'));
  const ms = performance.now() - started;
  const flows = result.report.scenarios.reduce((sum, s) => sum + s.flows, 0);
  console.log(JSON.stringify({ ms, flows, maxRssMB: process.resourceUsage().maxRSS / 1024, checks: result.report.totals }));
  process.exit(0);
}

const targetBytes = Number(values.mb) * 1024 * 1024;
// Above the 64 KiB inline limit: stored in bodies/, as a run stores it.
const LARGE = Number(values['body-kb']) * 1024;
const SMALL_PER_SCENARIO = Number(values.small);
const scenarios = ['idle', 'accept'];
const dir = await mkdtemp(join(tmpdir(), 'conformance-bench-1gb-'));
const evidence = join(dir, 'evidence');
await mkdir(evidence, { recursive: true });
await writeFile(
  join(evidence, 'app.yaml'),
  [
    'name: bench-app',
    'build: { dist: dist }',
    'firstParty: [app.example.test]',
    'sdks: [{ name: Vendor Analytics, hosts: [collect.vendor.test] }]',
    'consent: { dialog: "#consent", accept: "#accept", reject: "#reject" }',
    '',
  ].join('\n'),
);
await writeFile(
  join(evidence, 'run.json'),
  JSON.stringify({
    tool: { name: 'conformance', version: '0.1.0' },
    startedAt: new Date().toISOString(),
    manifest: join(evidence, 'app.yaml'),
    device: 'Pixel 7',
    scenarios,
    observationMs: 6000,
    deadlineMs: 96000,
    remote: null,
    node: process.version,
  }),
);
await writeFile(
  join(evidence, 'canaries.json'),
  JSON.stringify({ persona: { seed: 1, locale: 'en_US', name: 'Ann Lee', phone: '+14155550123', email: 'ann@example.com' } }),
);

/** A JSON batch of events of about `size` bytes; every 50th carries the persona's phone. */
function jsonBody(size, n) {
  const events = [];
  let length = 12;
  for (let i = 0; length < size; i++) {
    const event = JSON.stringify({
      id: `${n}-${i}`,
      ts: 1_700_000_000_000 + i,
      name: i % 7 === 0 ? 'article_open' : 'scroll',
      props: { depth: i % 100, token: randomBytes(24).toString('hex'), ...(i % 50 === 0 ? { tel: '+14155550123' } : {}) },
    });
    events.push(event);
    length += event.length + 1;
  }
  return Buffer.from(`{"events":[${events.join(',')}]}`);
}

let written = 0;
let large = 0;
const perScenario = Math.ceil(targetBytes / LARGE / scenarios.length);
for (const name of scenarios) {
  const folder = join(evidence, name);
  await mkdir(join(folder, 'bodies'), { recursive: true });
  const timeline = [mark('launch', 0), ...(name === 'accept' ? [mark('consent-accept', 1000)] : [])];
  const scenario = makeScenario(name, [], timeline);
  const { flows: entry, tlsFailures: _t, timeline: tl, ...record } = scenario;
  await writeFile(join(folder, 'scenario.json'), JSON.stringify(record));
  await writeFile(join(folder, 'timeline.json'), JSON.stringify(tl));
  const journal = createWriteStream(join(folder, 'flows.jsonl'));
  const put = async (record) => {
    if (!journal.write(`${JSON.stringify(record)}\n`)) await once(journal, 'drain');
  };
  await put({ type: 'ready', v: 1, at: scenario.startedAt });
  for (const flow of entry) await put({ type: 'flow', v: 1, ...flow });
  for (let i = 0; i < perScenario && written < targetBytes; i++) {
    // Half JSON batches, half opaque binary (ciphertext-like).
    const bytes = i % 2 === 0 ? jsonBody(LARGE, i) : randomBytes(LARGE);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(folder, 'bodies', sha256), bytes);
    const flow = makeFlow('https://collect.vendor.test/v1/batch', 2000 + i, {
      id: `${name}-large-${i}`,
      method: 'POST',
      body: { size: bytes.length, sha256, encoding: 'file', file: `bodies/${sha256}` },
    });
    await put({ type: 'flow', v: 1, ...flow });
    written += bytes.length;
    large++;
  }
  for (let i = 0; i < SMALL_PER_SCENARIO; i++) {
    const data = JSON.stringify({ e: 'ping', n: i, sid: randomBytes(16).toString('hex') });
    const flow = makeFlow('https://collect.vendor.test/v1/ping', 3000 + i, {
      id: `${name}-small-${i}`,
      method: 'POST',
      body: { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), encoding: 'utf8', data },
    });
    await put({ type: 'flow', v: 1, ...flow });
    written += data.length;
  }
  journal.end();
  await once(journal, 'finish');
}
console.log(
  `bundle: ${(written / 1024 / 1024).toFixed(0)} MiB of bodies (${large} of ${LARGE / 1024} KiB in files, ${SMALL_PER_SCENARIO * scenarios.length} inline) in ${dir}`,
);

const child = spawnSync(process.execPath, [import.meta.filename, '--analyze', dir], { encoding: 'utf8' });
if (child.status !== 0) {
  console.error(child.stderr);
  process.exitCode = 1;
} else {
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
  console.log(
    `analyze: ${(result.ms / 1000).toFixed(1)} s for ${result.flows} flows, ${(written / 1024 / 1024 / (result.ms / 1000)).toFixed(1)} MiB/s, peak RSS ${result.maxRssMB.toFixed(0)} MB`,
  );
}
if (!values.keep) await rm(dir, { recursive: true, force: true });
