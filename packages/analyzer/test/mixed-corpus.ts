import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { Canary, FlowRecord } from '@conformance/core';
import type { FlowContext } from '../src/flow.js';
import { cnMobile, imei, negativeRecord, packageName, prcId, seededFaker } from './corpus.js';

/**
 * A seeded corpus of flows that exercises every path of the analyzer: each decoding layer
 * (content-encodings, sniffed gzip/zlib, base64/base64url/hex/URL/JWT/JSON-in-string/query
 * strings, multipart, protobuf, raw deflate, unknown compression, ciphertext-like binary),
 * every canary transform, every pattern detector, both adapter families, negative values.
 * Used to prove that performance work leaves the findings unchanged (a golden summary).
 */
export const mixedCanaries: Canary[] = [
  { category: 'contact.phone', kind: 'phone', value: '13812345678' },
  { category: 'contact.email', kind: 'email', value: 'Li.Na@example.cn' },
  { category: 'identity.name', kind: 'name', value: 'Li Na' },
  { category: 'device-id.hardware', kind: 'imei', value: '490154203237518' },
  { category: 'device-id.hardware', kind: 'mac', value: '3c:5a:b4:01:02:0f' },
  { category: 'device-id.resettable', kind: 'oaid', value: 'f3b1c2d4-0a1b-4c2d-9e8f-0123456789ab' },
  { category: 'location.precise', kind: 'geolocation', latitude: 31.230416, longitude: 121.473701 },
];

const hosts = [
  'collect.vendor.test',
  'sdk.talkingdata.com',
  'api.umeng.com',
  'app.adjust.com',
  'e.miaozhen.com',
  'log.sensorsdata.cn',
];

export function mixedCorpus(count: number, seed = 20_240_611): Array<{ flow: FlowRecord; context: FlowContext }> {
  const faker = seededFaker(seed);
  // Dates relative to a fixed day, not to today: the corpus must not drift.
  faker.setDefaultRefDate(new Date('2026-01-01T00:00:00Z'));
  const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items);
  const sha = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

  /** A canary value in one of its searchable forms. */
  const canaryForm = (): string =>
    pick([
      () => '13812345678',
      () => '+86 13812345678',
      () => sha('sha256', '13812345678').toUpperCase(),
      () => sha('md5', '490154203237518'),
      () => Buffer.from('li.na@example.cn').toString('base64'),
      () => encodeURIComponent('Li.Na@example.cn'),
      () => '3C5AB401020F',
      () => '3c-5a-b4-01-02-0f',
      () => 'Li+Na',
      () => createHash('sha256').update('f3b1c2d4-0a1b-4c2d-9e8f-0123456789ab').digest('base64').replace(/=+$/, ''),
      () => `x13812345678y`,
    ])();

  /** A field that a pattern detector reports (or almost reports). */
  const personal = (): Record<string, unknown> =>
    pick([
      () => ({ device: { imei: imei(faker), meid: faker.string.hexadecimal({ length: 14, prefix: '' }) } }),
      () => ({ net: { mac: faker.internet.mac(), bssid: faker.internet.mac(), ssid: `${faker.word.noun()}-5G` } }),
      () => ({ androidId: faker.string.hexadecimal({ length: 16, casing: 'lower', prefix: '' }) }),
      () => ({ gaid: faker.string.uuid(), idfa: '00000000-0000-0000-0000-000000000000' }),
      () => ({ user: { mobile: cnMobile(faker), tel: faker.phone.number({ style: 'international' }) } }),
      () => ({ note: `call +86${cnMobile(faker)} or ${faker.internet.email()}`, icon: 'logo@2x.png' }),
      () => ({ card: prcId(faker) }),
      () => ({ localIp: faker.internet.ipv4(), ipv6: faker.internet.ipv6(), zip: '127.0.0.1' }),
      () => ({ loc: { lat: faker.location.latitude({ precision: 6 }), lng: faker.location.longitude({ precision: 6 }) } }),
      () => ({ lat: 31.23, lng: 121.47, cellId: String(faker.number.int({ min: 10, max: 99999 })) }),
      () => ({ location: `${faker.location.latitude({ precision: 5 })},${faker.location.longitude({ precision: 5 })}` }),
      () => ({ lnglat: '121.473701,31.230416' }),
      () => ({ installed: Array.from({ length: 6 }, () => packageName(faker)) }),
      () => ({ applist: Array.from({ length: 3 }, () => packageName(faker)).join(',') }),
      () => ({ geo: { la: 31230416, lo: 121473701 } }),
      () => ({ pos: { y: 31.2304, x: 121.4737 } }),
      () => ({ mac: '02:00:00:00:00:00', oaid: '__OAID__', m2: sha('md5', imei(faker)) }),
      () => ({ phone: cnMobile(faker), apps: [packageName(faker), packageName(faker)] }),
    ])();

  const record = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      app: 'mixed',
      v: '3.2.1',
      sid: faker.string.uuid(),
      events: Array.from({ length: faker.number.int({ min: 0, max: 3 }) }, () => ({
        name: pick(['open', 'view', 'click']),
        ts: faker.date.recent().getTime(),
        props: { page: faker.internet.url(), title: faker.lorem.words(3), n: faker.number.int(1000) },
      })),
    };
    const r = faker.number.float();
    if (r < 0.3) Object.assign(out, personal());
    else if (r < 0.45) out['extra'] = canaryForm();
    else if (r < 0.6) Object.assign(out, negativeRecord(faker));
    if (faker.number.float() < 0.2) out['nested'] = JSON.stringify(personal());
    if (faker.number.float() < 0.15) out['blob'] = Buffer.from(JSON.stringify({ k: canaryForm() })).toString('base64');
    if (faker.number.float() < 0.1) out['hexblob'] = Buffer.from(JSON.stringify(personal())).toString('hex');
    if (faker.number.float() < 0.1) out['z'] = gzipSync(JSON.stringify(personal())).toString('base64');
    if (faker.number.float() < 0.1) out['link'] = `https://x.test/p?uid=${encodeURIComponent(canaryForm())}&a=1`;
    if (faker.number.float() < 0.1) out['qs'] = `a=1&b=${encodeURIComponent(canaryForm())}&c=2`;
    return out;
  };

  const protobuf = (strings: string[]): Buffer => {
    const parts: Buffer[] = [Buffer.from([0x08, 0x96, 0x01])];
    strings.forEach((text, i) => {
      const bytes = Buffer.from(text);
      parts.push(Buffer.from([((i % 14) + 2) * 8 + 2, bytes.length & 0x7f]), bytes.subarray(0, 127));
    });
    return Buffer.concat(parts);
  };

  const random = (length: number): Buffer => {
    let bytes = createHash('sha512').update(faker.string.alphanumeric(20)).digest();
    while (bytes.length < length) bytes = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
    return bytes.subarray(0, length);
  };

  const flows: Array<{ flow: FlowRecord; context: FlowContext }> = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 16;
    const json = JSON.stringify(record());
    const headers: Array<[string, string]> = [];
    let query = '';
    let body: Buffer = Buffer.alloc(0);
    let path = `/v${kind}/batch`;
    switch (kind) {
      case 0:
        body = Buffer.from(json);
        headers.push(['content-type', 'application/json']);
        break;
      case 1:
        body = Buffer.from(new URLSearchParams({ data: json, k: 'app', ts: String(faker.date.recent().getTime()) }).toString());
        headers.push(['content-type', 'application/x-www-form-urlencoded']);
        break;
      case 2:
        body = Buffer.from(Buffer.from(json).toString('base64'));
        query = `?d=${Buffer.from(JSON.stringify(record())).toString('base64url')}`;
        break;
      case 3:
        body = gzipSync(json);
        headers.push(['content-encoding', 'gzip'], ['content-type', 'application/json']);
        break;
      case 4:
        body = faker.datatype.boolean() ? gzipSync(json) : deflateSync(json);
        break;
      case 5:
        body = random(faker.number.int({ min: 8, max: 1200 }));
        if (faker.datatype.boolean()) body = Buffer.from(body.toString(pick(['base64', 'hex'] as const)));
        break;
      case 6:
        body = deflateRawSync(Buffer.from(`${json} ${faker.lorem.paragraph()}`));
        break;
      case 7:
        body = protobuf([faker.internet.email(), canaryForm(), json.slice(0, 100), faker.word.noun()]);
        break;
      case 8:
        body = Buffer.from(Buffer.from(json).toString('hex'));
        query = `?h=${Buffer.from(canaryForm()).toString('hex')}&n=${faker.string.numeric(18)}`;
        break;
      case 9: {
        const jwt = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(personal())).toString('base64url')}.sig`;
        headers.push(
          ['authorization', `Bearer ${jwt}`],
          ['cookie', `uid=${Buffer.from(canaryForm()).toString('base64')}; t=${faker.string.alphanumeric(32)}; s=1`],
          ['x-device', canaryForm()],
          ['user-agent', 'Mozilla/5.0'],
        );
        query = `?p=${encodeURIComponent(encodeURIComponent(json.slice(0, 200)))}`;
        break;
      }
      case 10: {
        const boundary = 'XyZ';
        body = Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="meta"\r\n\r\n${json}\r\n--${boundary}\r\ncontent-disposition: form-data; name="note"\r\n\r\n${canaryForm()}\r\n--${boundary}--\r\n`,
        );
        headers.push(['content-type', `multipart/form-data; boundary=${boundary}`]);
        break;
      }
      case 11:
        query = `?${new URLSearchParams({ d: json.slice(0, 600), e: Buffer.from(gzipSync(JSON.stringify(personal()))).toString('base64url'), lat: '31.2304161', lng: '121.4737012' })}`;
        path = `/track/${encodeURIComponent(canaryForm())}`;
        break;
      case 12:
        body = pick([
          () => brotliCompressSync(json),
          () => deflateSync(json),
          () => deflateRawSync(json),
          () => Buffer.from('not gzip at all'),
        ])();
        headers.push(['content-encoding', pick(['br', 'deflate', 'gzip'])]);
        break;
      case 13:
        body = pick([
          () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), random(200)]),
          () => Buffer.alloc(faker.number.int({ min: 1, max: 700 }), faker.number.int(255)),
          () => Buffer.from(faker.lorem.paragraph()),
          () => Buffer.from(`  ${faker.lorem.words(5)} ${canaryForm()}\n`),
          () => Buffer.from(`${encodeURIComponent(json)}`),
        ])();
        break;
      case 14:
        body = Buffer.from(
          new URLSearchParams({
            gps_adid: faker.string.uuid(),
            android_id: faker.string.hexadecimal({ length: 16, prefix: '' }),
            mac_md5: sha('md5', faker.internet.mac()),
            imei: imei(faker),
            oaid: faker.string.uuid(),
            apps: Array.from({ length: 3 }, () => packageName(faker)).join('|'),
            data: json,
          }).toString(),
        );
        headers.push(['content-type', 'application/x-www-form-urlencoded']);
        break;
      default:
        query = `?${new URLSearchParams(Object.entries(record()).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]))}`;
    }
    const host = kind === 14 || faker.number.float() < 0.15 ? pick(hosts) : hosts[0]!;
    if (host === 'app.adjust.com') path = pick(['/session', '/event']);
    const id = `m${i}`;
    flows.push({
      flow: {
        type: 'flow',
        v: 1,
        id,
        startedAt: 1_800_000_000_000 + i,
        completedAt: 1_800_000_000_001 + i,
        client: null,
        method: body.length ? 'POST' : 'GET',
        scheme: 'https',
        host,
        port: 443,
        path: `${path}${query}`,
        url: `https://${host}${path}${query}`,
        httpVersion: 'HTTP/1.1',
        headers,
        body: { size: body.length, sha256: '0'.repeat(64), encoding: 'base64', data: body.toString('base64') },
        tls: { sni: host, version: 'TLSv1.3' },
        answer: 'sinkhole',
      },
      context: {
        scenario: pick(['accept', 'reject']),
        phase: pick(['before-choice', 'after-accept', 'after-refuse']),
        destination: pick([
          { kind: 'third-party' as const },
          { kind: 'first-party' as const },
          { kind: 'declared-sdk' as const, sdk: 'Vendor', necessary: false },
        ]),
      },
    });
  }
  return flows;
}
