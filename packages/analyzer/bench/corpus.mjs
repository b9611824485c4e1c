// The benchmark's corpus: a seeded sequence of flows (mixed JSON, form, base64-wrapped, gzip,
// binary; ~1 KB median body, 10 % carry personal data), the canaries planted in it and the
// context the flows are analysed in. Shared by bench/run.mjs and the test that pins what the
// analyzer makes of it (src/bench-corpus.test.ts).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Faker, base, en } from '@faker-js/faker';

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

/** The i-th flow of the corpus (call in order after `faker.seed`, as corpus() does: the sequence is seeded). */
export function makeFlow(i) {
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
export function* corpus(count) {
  faker.seed(20_240_601);
  for (let start = 0; start < count; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) batch.push(makeFlow(i));
    yield batch;
  }
}

export const canaries = [
  { category: 'contact.phone', kind: 'phone', value: '13812345678' },
  { category: 'contact.email', kind: 'email', value: 'li.na@example.cn' },
  { category: 'identity.name', kind: 'name', value: 'Li Na' },
  { category: 'device-id.hardware', kind: 'imei', value: '490154203237518' },
  { category: 'device-id.hardware', kind: 'mac', value: '3c:5a:b4:01:02:0f' },
  { category: 'device-id.resettable', kind: 'oaid', value: 'f3b1c2d4-0a1b-4c2d-9e8f-0123456789ab' },
  { category: 'location.precise', kind: 'geolocation', latitude: 31.230416, longitude: 121.473701 },
];

export const context = {
  scenario: 'accept',
  phase: 'after-accept',
  destination: { kind: 'declared-sdk', sdk: 'Vendor Analytics', necessary: false },
};
