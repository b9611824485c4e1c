// Benchmark: a seeded corpus of flows (mixed JSON, form, base64-wrapped, gzip, binary; ~1 KB
// median body) analysed one at a time, against the floor of only undoing content-encoding and
// JSON.parse-ing the same bodies. Flows are generated lazily and streamed (never all held), so
// memory stays bounded: run it under a capped heap (`npm run bench:capped`) to show it.
// Only the floor work and the analyze calls are timed, not the generation.
// Usage: npm run bench -w @conformance/analyzer [-- flows]
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { gunzipSync } from 'node:zlib';
import { createFlowAnalyzer } from '../dist/index.js';
import { canaries, context, corpus } from './corpus.mjs';

const count = Number(process.argv[2] ?? 100_000);
const gc = globalThis.gc;
const heapAfterGc = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

const analyze = createFlowAnalyzer({ canaries, trackhar: true });
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
for (const batch of corpus(count)) {
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
