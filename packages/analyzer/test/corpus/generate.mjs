#!/usr/bin/env node
// Captures the real-SDK payload corpus: runs each SDK page of fixtures/sdks/payload-corpus (the
// SDKs as published on npm, and a hand-written envelope-encrypting SDK) through a real assessment
// (`conformance run --scenarios accept`: Chromium behind the proxy's sinkhole, the seeded persona
// typed into the page), and keeps the
// SDK's own flows with the evidence the analyzer needs to judge them (manifest, planted canaries,
// timeline, storage) under test/data/real-sdks/<sdk>/.
//
//   npm run corpus:generate -w @conformance/analyzer [-- <sdk> ...]
//
// Needs the workspace built (npx nx run-many -t build) and the assessment's tools (scripts/setup.sh).
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..', '..');
const pages = join(root, 'fixtures', 'sdks', 'payload-corpus', 'src');
const target = join(here, '..', 'data', 'real-sdks');

/** Each SDK page and the hosts its SDK sends to (declared in the manifest, kept in the corpus). */
export const SDKS = {
  firebase: ['firebase.googleapis.com', 'firebaseinstallations.googleapis.com', 'www.googletagmanager.com'],
  datadog: ['browser-intake-datadoghq.eu'],
  sentry: ['o4504123456789012.ingest.us.sentry.io'],
  countly: ['countly.news-analytics.test'],
  applicationinsights: ['westeurope-5.in.applicationinsights.azure.com', 'js.monitor.azure.com'],
  newrelic: ['bam.eu01.nr-data.net', 'js-agent.newrelic.com'],
  // Hand-written (src/envelope-sdk.js): WebCrypto AES-GCM envelopes with an RSA-OAEP-wrapped key;
  // the leaky integration also puts the e-mail readable beside the envelope.
  envelope: ['collect.envelope-analytics.test'],
  'envelope-leaky': ['collect.envelope-analytics.test'],
};

const manifest = (sdk) => `name: corpus-${sdk}
platform: web
build: { dist: dist }
entry: /index.html
firstParty: [corpus-${sdk}.example.test]
sellsOrShares: false
sdks:
  - name: ${sdk}
    hosts: [${SDKS[sdk].join(', ')}]
consent:
  dialog: '#consent'
  accept: '#consent-accept'
  reject: '#consent-reject'
journey:
  - { type: '#email', text: '{persona.email}' }
  - { type: '#phone', text: '{persona.phone}' }
  - { tap: '#send' }
  - { wait: 2500 }
`;

async function capture(sdk, work) {
  const app = join(work, sdk);
  const dist = join(app, 'dist');
  await mkdir(dist, { recursive: true });
  await build({
    entryPoints: [join(pages, `${sdk}.js`)],
    outfile: join(dist, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
  await writeFile(
    join(dist, 'index.html'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>corpus-${sdk}</title></head>\n<body><script type="module" src="/app.js"></script></body></html>\n`,
  );
  await writeFile(join(app, 'conformance.app.yaml'), manifest(sdk));
  const out = join(app, 'out');
  const run = spawnSync(
    'npx',
    [
      '--no-install',
      'conformance',
      'run',
      '--app',
      join(app, 'conformance.app.yaml'),
      '--out',
      out,
      '--scenarios',
      'accept',
      '--window',
      '3000',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const evidence = join(out, 'evidence');
  const scenario = JSON.parse(await readFile(join(evidence, 'accept', 'scenario.json'), 'utf8'));
  if (scenario.status !== 'completed') {
    throw new Error(`${sdk}: the accept scenario ended ${scenario.status}: ${scenario.error?.message ?? ''}\n${run.stderr}`);
  }
  const hosts = new Set(SDKS[sdk]);
  const records = (await readFile(join(evidence, 'accept', 'flows.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const kept = new Set(records.filter((r) => r.type === 'flow' && hosts.has(r.host)).map((r) => r.id));
  const excerpt = records.filter(
    (r) => (r.id && kept.has(r.id)) || (r.type !== 'flow' && r.type !== 'response' && hosts.has(r.host)),
  );
  const dest = join(target, sdk);
  await rm(dest, { recursive: true, force: true });
  await mkdir(join(dest, 'accept'), { recursive: true });
  for (const file of ['app.yaml', 'canaries.json']) await cp(join(evidence, file), join(dest, file));
  for (const file of ['scenario.json', 'timeline.json', 'storage.json']) {
    await cp(join(evidence, 'accept', file), join(dest, 'accept', file));
  }
  await writeFile(join(dest, 'accept', 'flows.jsonl'), excerpt.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // Bodies over 64 KiB live beside the journal (body.encoding "file", body.file "bodies/<sha256>").
  for (const record of excerpt) {
    if (record.body?.encoding !== 'file') continue;
    await mkdir(join(dest, 'accept', dirname(record.body.file)), { recursive: true });
    await cp(join(evidence, 'accept', record.body.file), join(dest, 'accept', record.body.file));
  }
  return kept.size;
}

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SDKS);
const work = await mkdtemp(join(tmpdir(), 'conformance-corpus-'));
try {
  for (const sdk of wanted) {
    if (!SDKS[sdk]) throw new Error(`unknown SDK ${sdk}; known: ${Object.keys(SDKS).join(', ')}`);
    const started = Date.now();
    const flows = await capture(sdk, work);
    console.log(`${sdk}: ${flows} flow(s) kept in ${Math.round((Date.now() - started) / 1000)} s`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
