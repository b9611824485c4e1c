// False-positive rates of the pattern detectors on a seeded negative corpus: values with the
// shapes of identifiers (15–18 digit ids, timestamps, hex hashes, UUIDs, version strings,
// coordinate-like float pairs, domain lists, short random base64 tokens, LZ-string-like and
// JWE-like strings) under field names that do not say what they are. Each flow carries one value,
// the shapes in turn; besides findings it counts readable flows called `encrypted`.
// Usage: node bench/fp-rates.mjs [flows]  (after a build; default 1,000,000 flows in all)
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import process from 'node:process';
import { Faker, base, en } from '@faker-js/faker';
import { createFlowAnalyzer } from '../dist/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const faker = new Faker({ locale: [en, base] });
faker.seed(99);
const shapes = {
  'id (15 digits)': () => faker.string.numeric(15),
  'id (18 digits)': () => faker.string.numeric(18),
  'id (11 digits, 1…)': () => `1${faker.string.numeric(10)}`,
  'timestamp (ms)': () => faker.date.recent().getTime(),
  'hex (16)': () => faker.string.hexadecimal({ length: 16, casing: 'lower', prefix: '' }),
  'hex (12)': () => faker.string.hexadecimal({ length: 12, casing: 'lower', prefix: '' }),
  'md5 / sha-1 / sha-256': () =>
    createHash(faker.helpers.arrayElement(['md5', 'sha1', 'sha256']))
      .update(faker.string.alpha(8))
      .digest('hex'),
  UUID: () => faker.string.uuid(),
  'version a.b.c.d': () =>
    `${faker.number.int({ min: 1, max: 200 })}.${faker.number.int(255)}.${faker.number.int(255)}.${faker.number.int(255)}`,
  'float pair': () => [
    faker.number.float({ min: -90, max: 90, fractionDigits: 6 }),
    faker.number.float({ min: -180, max: 180, fractionDigits: 6 }),
  ],
  'domain list': () => Array.from({ length: 6 }, () => faker.internet.domainName()),
  'file name @2x': () => `${faker.word.noun()}@2x.png`,
  'random token (40)': () => faker.string.alphanumeric(40),
  'base64 token (24 bytes)': () => randomBase64(24),
  'base64 hash (32 bytes)': () => randomBase64(32),
  'N… token (LZ-like)': () => `N${faker.string.alphanumeric(47)}`,
  'JWE-like (5 parts)': () => Array.from({ length: 5 }, () => faker.string.alphanumeric(22)).join('.'),
  'hex (64, random)': () => faker.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' }),
};
function randomBase64(bytes) {
  return Buffer.from(Array.from({ length: bytes }, () => faker.number.int(255))).toString('base64');
}
const keys = ['id', 'value', 'k', 'data', 'x', 'ref', 'seq', 'n'];
const analyze = createFlowAnalyzer({ trackhar: false });
const context = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const perShape = Object.fromEntries(Object.keys(shapes).map((name) => [name, 0]));
const encrypted = Object.fromEntries(Object.keys(shapes).map((name) => [name, 0]));
const perDetector = {};
const entries = Object.entries(shapes);
const flows = Math.ceil(total / entries.length);
let values = 0;
const started = Date.now();
for (let i = 0; i < flows; i++) {
  for (const [name, make] of entries) {
    if (values >= total) break;
    const body = JSON.stringify({ [faker.helpers.arrayElement(keys)]: make() });
    const flow = {
      type: 'flow',
      v: 1,
      id: `n${i}`,
      startedAt: 0,
      completedAt: 0,
      client: null,
      method: 'POST',
      scheme: 'https',
      host: 't.example.org',
      port: 443,
      path: '/n',
      url: 'https://t.example.org/n',
      httpVersion: 'HTTP/1.1',
      headers: [],
      body: { size: body.length, sha256: '0'.repeat(64), encoding: 'utf8', data: body },
      tls: null,
      answer: 'sinkhole',
    };
    values++;
    const { findings: found, protection } = analyze(flow, context);
    if (found.length) perShape[name]++;
    if (protection.class === 'encrypted') encrypted[name]++;
    for (const finding of found) perDetector[finding.detector] = (perDetector[finding.detector] ?? 0) + 1;
  }
}
console.log(
  `negative corpus: ${values} flows, one value each (~${flows} per shape), ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
console.log(`  ${'shape'.padEnd(26)} flows with a finding / flows called encrypted`);
for (const [name, hits] of Object.entries(perShape)) console.log(`  ${name.padEnd(26)} ${hits} / ${encrypted[name]}`);
console.log(`findings by detector: ${JSON.stringify(perDetector)}`);
