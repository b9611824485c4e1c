import { createCipheriv, createHash } from 'node:crypto';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Canary, FlowRecord } from '@conformance/core';
import { makeFlow } from '@conformance/testing';
import { cnMobile, imei, negativeRecord, packageName, prcId, seededFaker } from '../test/corpus.js';
import { createFlowAnalyzer, type FlowContext } from './flow.js';

const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };

function withBody(url: string, body: Buffer | string, headers: Array<[string, string]> = []): FlowRecord {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return makeFlow(url, 10, {
    method: 'POST',
    headers,
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: 'base64',
      data: bytes.toString('base64'),
    },
  });
}

function paths(canaries: Canary[], flow: FlowRecord) {
  return createFlowAnalyzer({ canaries })(flow, context).findings.map((f) => [f.path, f.category, f.detector]);
}

describe('decoding and canaries', () => {
  it('finds an IMEI canary SHA-256-hashed inside base64 inside a query parameter, at the right path', () => {
    const value = imei(seededFaker(1));
    const hashed = createHash('sha256').update(value).digest('hex');
    const d = Buffer.from(hashed).toString('base64');
    const flow = makeFlow(`https://t.example.org/c?v=2&d=${encodeURIComponent(d)}`, 10);
    const [finding] = createFlowAnalyzer({ canaries: [{ category: 'device-id.hardware', kind: 'imei', value }] })(
      flow,
      context,
    ).findings;
    expect(finding).toMatchObject({
      path: 'query.d|base64',
      category: 'device-id.hardware',
      detector: 'canary:imei',
      transforms: ['base64', 'sha256'],
    });
    expect(finding!.value).not.toContain(hashed);
  });

  it('finds canaries through every structure: JSON in a JSON string, form, multipart, cookies, headers, JWT, hex, URL-encoding', () => {
    const faker = seededFaker(2);
    const email = faker.internet.email().toLowerCase();
    const canaries: Canary[] = [{ category: 'contact.email', kind: 'email', value: email }];
    const nested = JSON.stringify({ events: [{ props: { who: JSON.stringify({ mail: email }) } }] });
    expect(paths(canaries, withBody('https://t.example.org/j', nested, [['content-type', 'application/json']]))).toContainEqual([
      'body.json.events[0].props.who|json.mail',
      'contact.email',
      'canary:email',
    ]);
    const form = `a=1&u=${encodeURIComponent(email)}`;
    expect(
      paths(canaries, withBody('https://t.example.org/f', form, [['content-type', 'application/x-www-form-urlencoded']]))[0],
    ).toEqual(['body.form.u', 'contact.email', 'canary:email']);
    const multipart = `--XX\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{"mail":"${email}"}\r\n--XX--\r\n`;
    expect(
      paths(
        canaries,
        withBody('https://t.example.org/m', multipart, [['content-type', 'multipart/form-data; boundary=XX']]),
      )[0]![0],
    ).toBe('body.multipart.meta|json.mail');
    const jwt = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ sub: email })).toString('base64url')}.`;
    const cookieFlow = makeFlow('https://t.example.org/c', 10, {
      headers: [
        ['Cookie', `sid=1; t=${jwt}`],
        ['X-Trace', Buffer.from(email).toString('hex')],
      ],
    });
    expect(paths(canaries, cookieFlow).map((p) => p[0])).toEqual(['cookie.t|jwt.sub', 'header.x-trace|hex']);
    const urlFlow = makeFlow(`https://t.example.org/u?x=${encodeURIComponent(encodeURIComponent(email))}`, 10);
    expect(paths(canaries, urlFlow)[0]![0]).toMatch(/^query\.x/);
  });

  it('matches a phone canary with and without country code, hashed, and case variants of an e-mail', () => {
    const phone = cnMobile(seededFaker(3));
    const canaries: Canary[] = [
      { category: 'contact.phone', kind: 'phone', value: phone },
      { category: 'contact.email', kind: 'email', value: 'Ann.Lee@Example.com' },
    ];
    const body = JSON.stringify({
      a: `+86${phone}`,
      b: createHash('md5').update(`86${phone}`).digest('hex'),
      c: 'ANN.LEE@EXAMPLE.COM',
      d: createHash('sha1').update('ann.lee@example.com').digest('hex').toUpperCase(),
    });
    const found = createFlowAnalyzer({ canaries })(withBody('https://t.example.org/p', body), context).findings.filter(
      (f) => f.detectorKind === 'canary',
    );
    expect(found.map((f) => [f.path, f.transforms.at(-1)])).toEqual([
      ['body.json.a', 'with-country-code'],
      ['body.json.b', 'md5'],
      ['body.json.c', undefined],
      ['body.json.d', 'sha1'],
    ]);
  });

  it('matches the planted geolocation within the tolerance, in two fields or as a "lat,lng" string, and not 500 m away', () => {
    const canaries: Canary[] = [
      { category: 'location.precise', kind: 'geolocation', latitude: 39.904211, longitude: 116.407395 },
    ];
    const near = withBody('https://t.example.org/g', JSON.stringify({ geo: { la: 39.9045, lo: 116.4077 } }));
    expect(paths(canaries, near)).toContainEqual(['body.json.geo.la', 'location.precise', 'canary:geolocation']);
    const pair = makeFlow('https://t.example.org/g?pos=39.90431%2C116.40751', 10);
    expect(paths(canaries, pair)).toContainEqual(['query.pos[0]', 'location.precise', 'canary:geolocation']);
    const far = withBody('https://t.example.org/g', JSON.stringify({ geo: { la: 39.9087, lo: 116.4074 } }));
    expect(paths(canaries, far).filter((p) => p[2] === 'canary:geolocation')).toEqual([]);
  });
});

describe('pattern detectors (seeded faker corpora)', () => {
  const faker = seededFaker(42);
  const cases: Array<[string, () => Record<string, unknown>, string, string]> = [
    ['imei', () => ({ device: { imei: imei(faker) } }), 'device-id.hardware', 'body.json.device.imei'],
    ['mac', () => ({ net: { mac: faker.internet.mac() } }), 'device-id.hardware', 'body.json.net.mac'],
    ['mac', () => ({ wifi: { bssid: faker.internet.mac() } }), 'network.wifi', 'body.json.wifi.bssid'],
    [
      'android-id',
      () => ({ androidId: faker.string.hexadecimal({ length: 16, casing: 'lower', prefix: '' }) }),
      'device-id.resettable',
      'body.json.androidId',
    ],
    ['advertising-id', () => ({ gaid: faker.string.uuid() }), 'device-id.resettable', 'body.json.gaid'],
    ['phone', () => ({ user: { mobile: cnMobile(faker) } }), 'contact.phone', 'body.json.user.mobile'],
    ['phone', () => ({ note: `call +86${cnMobile(faker)}` }), 'contact.phone', 'body.json.note'],
    ['phone', () => ({ phone: faker.phone.number({ style: 'international' }) }), 'contact.phone', 'body.json.phone'],
    ['email', () => ({ contact: faker.internet.email() }), 'contact.email', 'body.json.contact'],
    ['prc-resident-id', () => ({ card: prcId(faker) }), 'identity.national-id', 'body.json.card'],
    [
      'ipv4',
      () => ({ localIp: `192.168.${faker.number.int(255)}.${faker.number.int({ min: 1, max: 254 })}` }),
      'network.ip',
      'body.json.localIp',
    ],
    ['ipv6', () => ({ ipv6: faker.internet.ipv6() }), 'network.ip', 'body.json.ipv6'],
    [
      'lat-long',
      () => ({ loc: { lat: faker.location.latitude({ precision: 6 }), lng: faker.location.longitude({ precision: 6 }) } }),
      'location.precise',
      'body.json.loc.lat',
    ],
    ['lat-long', () => ({ lat: 31.23, lng: 121.47 }), 'location.coarse', 'body.json.lat'],
    ['app-list', () => ({ installed: Array.from({ length: 6 }, () => packageName(faker)) }), 'app-list', 'body.json.installed'],
    ['ssid', () => ({ ssid: faker.word.noun() + '-5G' }), 'network.wifi', 'body.json.ssid'],
  ];
  for (const [detector, make, category, path] of cases) {
    it(`${detector} is found as ${category} at ${path}, raw and base64-wrapped`, () => {
      for (let i = 0; i < 20; i++) {
        const value = make();
        const analyze = createFlowAnalyzer({});
        const raw = analyze(withBody('https://t.example.org/x', JSON.stringify(value)), context).findings;
        expect(raw, JSON.stringify(value)).toContainEqual(
          expect.objectContaining({ category, path, detector: `pattern:${detector}` }),
        );
        const wrapped = analyze(
          makeFlow(`https://t.example.org/x?d=${Buffer.from(JSON.stringify(value)).toString('base64url')}`, 10),
          context,
        );
        expect(wrapped.findings).toContainEqual(
          expect.objectContaining({
            category,
            path: path.replace('body.json', 'query.d|base64|json'),
            detector: `pattern:${detector}`,
          }),
        );
      }
    });
  }

  it('a negative corpus of 2,000 flows (random ids, timestamps, hashes, UUIDs, versions) gives zero findings', () => {
    const negative = seededFaker(7);
    const analyze = createFlowAnalyzer({ canaries: [{ category: 'contact.phone', kind: 'phone', value: '13800138000' }] });
    const findings = [];
    for (let i = 0; i < 2000; i++) {
      const record = negativeRecord(negative);
      const flow =
        i % 2 === 0
          ? withBody('https://t.example.org/n', JSON.stringify(record))
          : makeFlow(
              `https://t.example.org/n?${new URLSearchParams(Object.entries(record).map(([k, v]): [string, string] => [k, String(v)]))}`,
              10,
            );
      findings.push(...analyze(flow, context).findings);
    }
    expect(findings.map((f) => `${f.detector} ${f.path} ${f.value}`)).toEqual([]);
  });
});

describe('payload protection', () => {
  const analyze = createFlowAnalyzer({});
  it('AES-GCM ciphertext is encrypted, with its measurements', () => {
    const key = createHash('sha256').update('test key').digest();
    const cipher = createCipheriv('aes-256-gcm', key, key.subarray(0, 12));
    const payload = JSON.stringify({ phone: '13812345678', events: Array.from({ length: 20 }, (_, i) => ({ i })) });
    const bytes = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
    const { protection, findings } = analyze(withBody('https://t.example.org/e', bytes), context);
    expect(findings).toEqual([]);
    expect(protection).toMatchObject({ class: 'encrypted', structure: 'binary', personalData: false });
    expect(protection.entropy).toBeGreaterThan(7);
    expect(protection.compressionRatio).toBeGreaterThanOrEqual(0.98);
    const wrapped = analyze(withBody('https://t.example.org/e', bytes.toString('base64')), context).protection;
    expect(wrapped).toMatchObject({ class: 'encrypted', layers: ['base64'] });
  });

  it('gzip of JSON is decoded and cleartext', () => {
    const bytes = gzipSync(JSON.stringify({ event: 'open', n: 1 }));
    const { protection } = analyze(withBody('https://t.example.org/g', bytes, [['Content-Encoding', 'gzip']]), context);
    expect(protection).toMatchObject({ class: 'cleartext', layers: ['gzip'], structure: 'json' });
    const sniffed = analyze(withBody('https://t.example.org/g', bytes), context).protection;
    expect(sniffed).toMatchObject({ class: 'cleartext', layers: ['gzip'], structure: 'json' });
  });

  it('base64 of JSON with a phone number is encoded and carries a cleartext personal-data finding', () => {
    const body = Buffer.from(JSON.stringify({ user: { phone: '13812345678' } })).toString('base64');
    const { protection, findings } = analyze(withBody('https://t.example.org/b', body), context);
    expect(protection).toMatchObject({ class: 'encoded', layers: ['base64'], structure: 'json', personalData: true });
    expect(findings).toEqual([
      expect.objectContaining({ category: 'contact.phone', path: 'body|base64.json.user.phone', protection: 'encoded' }),
    ]);
  });

  it('a raw deflate stream (no magic bytes) is compressed, not encrypted', () => {
    const bytes = deflateRawSync(
      Buffer.from(Array.from({ length: 400 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('')),
    );
    expect(analyze(withBody('https://t.example.org/d', bytes), context).protection.class).toBe('compressed');
  });

  it('low-entropy binary that carries no personal data is not called encrypted', () => {
    const bytes = Buffer.alloc(600, 7);
    bytes[3] = 200;
    expect(analyze(withBody('https://t.example.org/r', bytes), context).protection.class).toBe('unknown');
  });

  it('protobuf-looking binary is reported as such, and its strings are searched', () => {
    const email = 'wei.zhang@example.cn';
    const inner = Buffer.concat([Buffer.from([0x0a, email.length]), Buffer.from(email)]);
    const bytes = Buffer.concat([Buffer.from([0x08, 0x96, 0x01, 0x12, inner.length]), inner, Buffer.from([0x18, 0x01])]);
    const { protection, findings } = analyze(withBody('https://t.example.org/pb', bytes), context);
    expect(protection).toMatchObject({ class: 'encoded', structure: 'protobuf' });
    expect(findings).toEqual([expect.objectContaining({ category: 'contact.email', path: 'body.protobuf.2.1' })]);
  });
});
