import { Faker, base, en, en_US, zh_CN } from '@faker-js/faker';

export interface Persona {
  seed: number;
  locale: string;
  name: string;
  phone: string;
  email: string;
}

const locales = { zh_CN: [zh_CN, en, base], en_US: [en_US, en, base] } as const;
export type PersonaLocale = keyof typeof locales;

/**
 * The person the harness pretends to be. Seeded, so the same seed types the same
 * values; every value is written to the evidence as a canary the analysis can look for.
 */
export function createPersona(seed: number, locale: PersonaLocale = 'en_US'): Persona {
  const faker = new Faker({ locale: [...locales[locale]] });
  faker.seed(seed);
  const name = faker.person.fullName();
  // Chinese mobile numbers (11 digits, 1[3-9]…) are what apps for China collect; faker's zh_CN numbers are landlines.
  const phone = locale === 'zh_CN' ? faker.helpers.fromRegExp(/1[3-9][0-9]{9}/) : faker.phone.number({ style: 'national' });
  const email = faker.internet.email().toLowerCase();
  return { seed, locale, name, phone, email };
}

/** Replaces `{persona.name}`, `{persona.phone}` and `{persona.email}` in a journey's text. */
export function expandPersona(text: string, persona: Persona): string {
  return text.replace(/\{persona\.(\w+)\}/g, (whole, key: string) => {
    if (key === 'name' || key === 'phone' || key === 'email') return persona[key];
    throw new Error(`unknown placeholder ${whole}: use {persona.name}, {persona.phone} or {persona.email}`);
  });
}
