// False-positive rates of the pattern detectors on a seeded negative corpus: values with the
// shapes of identifiers (15–18 digit ids, timestamps, hex hashes, UUIDs, version strings,
// coordinate-like float pairs, domain lists) under field names that do not say what they are.
// Usage: node bench/fp-rates.mjs [flows]  (after a build)
import { createHash } from 'node:crypto';
import process from 'node:process';
import { Faker, base, en } from '@faker-js/faker';
import { createFlowAnalyzer } from '../dist/index.js';

const flows = Number(process.argv[2] ?? 10_000);
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
};
const keys = ['id', 'value', 'k', 'data', 'x', 'ref', 'seq', 'n'];
const analyze = createFlowAnalyzer({ trackhar: false });
const context = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const perShape = Object.fromEntries(Object.keys(shapes).map((name) => [name, 0]));
const perDetector = {};
let values = 0;
for (let i = 0; i < flows; i++) {
  for (const [name, make] of Object.entries(shapes)) {
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
    const found = analyze(flow, context).findings;
    if (found.length) perShape[name]++;
    for (const finding of found) perDetector[finding.detector] = (perDetector[finding.detector] ?? 0) + 1;
  }
}
console.log(`negative corpus: ${values} values (${flows} per shape)`);
for (const [name, hits] of Object.entries(perShape)) console.log(`  ${name.padEnd(24)} ${hits} / ${flows}`);
console.log(`findings by detector: ${JSON.stringify(perDetector)}`);
