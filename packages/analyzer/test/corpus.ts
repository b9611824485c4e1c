import { createHash } from 'node:crypto';
import { Faker, base, en } from '@faker-js/faker';

/** Seeded generators of positive and negative values, shared by the tests. */
export function seededFaker(seed: number): Faker {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  return faker;
}

export function luhnDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = `${partial}${d}`;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let v = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error('unreachable');
}

export function imei(faker: Faker): string {
  const body = `${faker.helpers.arrayElement(['35', '86', '01', '99'])}${faker.string.numeric(12)}`;
  return `${body}${luhnDigit(body)}`;
}

export function prcId(faker: Faker): string {
  const birth = faker.date.birthdate({ min: 18, max: 80, mode: 'age' });
  const date = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
  const body = `${faker.helpers.arrayElement(['11', '31', '44', '51'])}${faker.string.numeric(4)}${date}${faker.string.numeric(3)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i]!, 0);
  return `${body}${'10X98765432'[sum % 11]}`;
}

export function cnMobile(faker: Faker): string {
  return faker.helpers.fromRegExp(/1[3-9][0-9]{9}/);
}

export function packageName(faker: Faker): string {
  return `${faker.helpers.arrayElement(['com', 'cn', 'org'])}.${faker.word.noun().toLowerCase().replace(/\W/g, '')}.${faker.word.verb().toLowerCase().replace(/\W/g, '')}`;
}

/**
 * Values that look like identifiers but are not, under field names that say nothing:
 * random ids, timestamps, hashes, UUIDs, version strings, prices, prose.
 */
export function negativeRecord(faker: Faker): Record<string, unknown> {
  const text = faker.lorem.sentence();
  return {
    id: faker.string.numeric(15),
    orderId: faker.string.numeric(18),
    seq: faker.string.numeric(11),
    ts: faker.date.recent().getTime(),
    tsSeconds: String(Math.floor(faker.date.recent().getTime() / 1000)),
    requestId: faker.string.uuid(),
    traceId: faker.string.hexadecimal({ length: 16, casing: 'lower', prefix: '' }),
    span: faker.string.hexadecimal({ length: 12, casing: 'lower', prefix: '' }),
    digest: createHash('sha256').update(text).digest('hex'),
    etag: createHash('md5').update(text).digest('hex'),
    sha1: createHash('sha1').update(text).digest('hex'),
    version: `${faker.number.int({ min: 1, max: 12 })}.${faker.number.int(20)}.${faker.number.int(20)}.${faker.number.int(200)}`,
    price: faker.commerce.price(),
    ratio: faker.number.float({ min: 0, max: 1, fractionDigits: 6 }),
    pair: [
      faker.number.float({ min: 0, max: 90, fractionDigits: 6 }),
      faker.number.float({ min: 0, max: 180, fractionDigits: 6 }),
    ],
    title: text,
    color: faker.color.rgb(),
    sku: faker.string.alphanumeric(24),
    token: faker.string.alphanumeric(40),
    image: `${faker.word.noun()}@2x.png`,
    words: [faker.word.noun(), faker.word.noun(), faker.word.noun()],
    hosts: [faker.internet.domainName(), faker.internet.domainName(), faker.internet.domainName()],
  };
}
