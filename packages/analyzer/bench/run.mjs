// Benchmark: a seeded corpus of flows (mixed JSON, form, base64-wrapped, gzip, binary; ~1 KB
// median body) analysed one at a time, against the floor of only undoing content-encoding and
// JSON.parse-ing the same bodies. Flows are generated lazily and streamed (never all held), so
// memory stays bounded: run it under a capped heap (`npm run bench:capped`) to show it.
// Only the floor work and the analyze calls are timed, not the generation.
// Usage: npm run bench -w @conformance/analyzer [-- flows]
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import process from 'node:process';
import { URLSearchParams } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Faker, base, en } from '@faker-js/faker';
import { createFlowAnalyzer } from '../dist/index.js';

const count = Number(process.argv[2] ?? 100_000);
const faker = new Faker({ locale: [en, base] });
faker.setDefaultRefDate(new Date('2026-01-01T00:00:00Z'));

function event() {
  return {
    name: faker.helpers.arrayElement(['open', 'view', 'click', 'scroll', 'close']),
    ts: faker.date.recent().getTime(),
    props: {
      page: faker.internet.url(),
      title: faker.lorem.words(4),
      ref: faker.string.alphanumeric(12),
      n: faker.number.int(1000),
    },
  };
}

function payload() {
  const record = {
    app: 'bench',
    v: '3.2.1',
    sid: faker.string.uuid(),
    events: Array.from({ length: faker.number.int({ min: 1, max: 6 }) }, event),
  };
  const r = faker.number.float();
  if (r < 0.05) record.device = { imei: '490154203237518', mac: faker.internet.mac() };
  else if (r < 0.1) record.user = { phone: '13812345678', email: faker.internet.email() };
  return record;
}

/** The i-th flow of the corpus (call in order after `faker.seed`: the sequence is seeded). */
function makeFlow(i) {
  const kind = i % 5;
  const json = JSON.stringify(payload());
  let bytes;
  const headers = [];
  let query = '';
  if (kind === 0) {
    bytes = Buffer.from(json);
    headers.push(['content-type', 'application/json']);
  } else if (kind === 1) {
    bytes = Buffer.from(new URLSearchParams({ data: json, k: 'app', ts: String(1_800_000_000_000 + i) }).toString());
    headers.push(['content-type', 'application/x-www-form-urlencoded']);
  } else if (kind === 2) {
    bytes = Buffer.from(Buffer.from(json).toString('base64'));
    query = `?d=${Buffer.from(JSON.stringify({ k: 1 })).toString('base64url')}`;
  } else if (kind === 3) {
    bytes = gzipSync(json);
    headers.push(['content-encoding', 'gzip'], ['content-type', 'application/json']);
  } else {
    bytes = createHash('sha512').update(json).digest();
    for (let k = 0; k < 12; k++) bytes = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
  }
  return {
    type: 'flow',
    v: 1,
    id: `f${i}`,
    startedAt: 1_800_000_000_000 + i,
    completedAt: 1_800_000_000_001 + i,
    client: null,
    method: 'POST',
    scheme: 'https',
    host: 'collect.vendor.test',
    port: 443,
    path: `/v1/batch${query}`,
    url: `https://collect.vendor.test/v1/batch${query}`,
    httpVersion: 'HTTP/1.1',
    headers,
    body: { size: bytes.length, sha256: '0'.repeat(64), encoding: 'base64', data: bytes.toString('base64') },
    tls: { sni: 'collect.vendor.test', version: 'TLSv1.3' },
    answer: 'sinkhole',
  };
}

/**
 * The corpus, generated lazily in batches of 1,000 flows (about 3 MB): the same seeded sequence
 * on every pass, never held whole. Batches keep generation out of the timed loops.
 */
function* corpus() {
  faker.seed(20_240_601);
  for (let start = 0; start < count; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) batch.push(makeFlow(i));
    yield batch;
  }
}

const gc = globalThis.gc;
const heapAfterGc = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

const canaries = [
  { category: 'contact.phone', kind: 'phone', value: '13812345678' },
  { category: 'contact.email', kind: 'email', value: 'li.na@example.cn' },
  { category: 'identity.name', kind: 'name', value: 'Li Na' },
  { category: 'device-id.hardware', kind: 'imei', value: '490154203237518' },
  { category: 'device-id.hardware', kind: 'mac', value: '3c:5a:b4:01:02:0f' },
  { category: 'device-id.resettable', kind: 'oaid', value: 'f3b1c2d4-0a1b-4c2d-9e8f-0123456789ab' },
  { category: 'location.precise', kind: 'geolocation', latitude: 31.230416, longitude: 121.473701 },
];

const analyze = createFlowAnalyzer({ canaries, trackhar: true });
const context = {
  scenario: 'accept',
  phase: 'after-accept',
  destination: { kind: 'declared-sdk', sdk: 'Vendor Analytics', necessary: false },
};

// Floor: only undo content-encoding (and the base64 the proxy journal stores bodies in) and JSON.parse.
function floor(batch) {
  let parsed = 0;
  for (const flow of batch) {
    let bytes = Buffer.from(flow.body.data, 'base64');
    if (flow.headers.some(([k, v]) => k === 'content-encoding' && v === 'gzip')) bytes = gunzipSync(bytes);
    try {
      JSON.parse(bytes.toString('utf8'));
      parsed++;
    } catch {
      /* not JSON */
    }
  }
  return parsed;
}

// Each batch is timed through the floor and through the analysis, one right after the other, so
// both see the same load (the machine is shared): the ratio holds up better than with two passes.
/** Body sizes as a histogram (size → flows), for the median without holding one number per flow. */
const sizeCounts = new Map();
let totalBytes = 0;
let parsed = 0;
let floorNs = 0n;
let findings = 0;
const heapBefore = heapAfterGc();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
let peakHeap = 0;
const classes = {};
let analysisNs = 0n;
const wall = process.hrtime.bigint();
let batchIndex = 0;
for (const batch of corpus()) {
  for (const flow of batch) {
    sizeCounts.set(flow.body.size, (sizeCounts.get(flow.body.size) ?? 0) + 1);
    totalBytes += flow.body.size;
  }
  const timeFloor = () => {
    const t = process.hrtime.bigint();
    parsed += floor(batch);
    floorNs += process.hrtime.bigint() - t;
  };
  const timeAnalysis = () => {
    const t = process.hrtime.bigint();
    for (const flow of batch) {
      const result = analyze(flow, context);
      findings += result.findings.length;
      classes[result.protection.class] = (classes[result.protection.class] ?? 0) + 1;
    }
    analysisNs += process.hrtime.bigint() - t;
  };
  // Alternate which goes first (the first meets the freshly generated batch in cache).
  if (batchIndex++ % 2 === 0) {
    timeFloor();
    timeAnalysis();
  } else {
    timeAnalysis();
    timeFloor();
  }
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}
const wallMs = Number(process.hrtime.bigint() - wall) / 1e6;
const floorMs = Number(floorNs) / 1e6;
const analysisMs = Number(analysisNs) / 1e6;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const heapAfter = heapAfterGc();
let medianSize = 0;
for (let seen = 0, i = 0, sorted = [...sizeCounts].sort(([a], [b]) => a - b); seen < count / 2; i++) {
  [medianSize] = sorted[i];
  seen += sorted[i][1];
}
console.log(
  `corpus: ${count} flows (generated lazily in batches of 1,000, streamed), ${(totalBytes / 1e6).toFixed(1)} MB of bodies, median body ${medianSize} B`,
);

const mb = totalBytes / 1e6;
console.log(
  `floor (content-encoding + JSON.parse, ${parsed} JSON bodies): ${floorMs.toFixed(0)} ms, ${(mb / (floorMs / 1000)).toFixed(1)} MB/s`,
);
console.log(
  `analysis (decode + canaries + detectors + adapters + protection): ${analysisMs.toFixed(0)} ms, ${(mb / (analysisMs / 1000)).toFixed(1)} MB/s, ${((analysisMs * 1000) / count).toFixed(1)} µs/flow (whole pass incl. generation: ${(wallMs / 1000).toFixed(1)} s)`,
);
console.log(`ratio analysis / floor: ${(analysisMs / floorMs).toFixed(2)}× (goal ≤ 2.5×)`);
console.log(`findings: ${findings}; protection: ${JSON.stringify(classes)}`);
const heapLimit = (await import('node:v8')).getHeapStatistics().heap_size_limit;
console.log(
  `memory: peak RSS ${mib(peakRss)} (process max RSS ${mib(process.resourceUsage().maxRSS * 1024)}), RSS before the analysis ${mib(rssBefore)}, peak heap used ${mib(peakHeap)} of a ${mib(heapLimit)} heap limit` +
    (gc
      ? `; heap after GC before/after the analysis: ${mib(heapBefore)} / ${mib(heapAfter)} (retained: ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MB)`
      : ' (run with --expose-gc for retained heap)'),
);
