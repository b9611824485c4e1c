import { z } from 'zod';
import categoryData from './data/data-categories.json' with { type: 'json' };
import type { Destination } from './analysis.js';
import type { Phase } from './phase.js';

/**
 * The findings model: personal data the analyzer found in a flow, where exactly, and how
 * the payload that carried it was protected. Plain data, JSON-serialisable.
 */

export const dataCategories = [
  'device-id.hardware',
  'device-id.resettable',
  'device-id.app-scoped',
  'account-id',
  'location.precise',
  'location.coarse',
  'network.cell',
  'network.wifi',
  'network.ip',
  'app-list',
  'contact.phone',
  'contact.email',
  'identity.name',
  'identity.national-id',
] as const;
export type DataCategory = (typeof dataCategories)[number];

export type DataCategoryLevel = 'fundamental' | 'optional';

/**
 * What a finding is, for the checks: an `identifier` singles out a device, an installation,
 * an account or a user across requests (device, advertising, account and persistent-storage
 * ids, and contact details used as a user id); `personal-data` is any other personal
 * information (location, network facts, the app list, contact details typed into a form).
 */
export const findingRoles = ['identifier', 'personal-data'] as const;
export type FindingRole = (typeof findingRoles)[number];

export interface DataCategoryInfo {
  id: DataCategory;
  label: string;
  /** Whether a value of this category is, by itself, an identifier (see `FindingRole`). */
  kind: FindingRole;
  /** `optional` categories must stay off unless the integrator turned them on. */
  level: DataCategoryLevel;
  /** Sensitive personal information (GB/T 35273-2020, GB/T 45574-2025). */
  sensitive: boolean;
  /** Where the level comes from. */
  source: string;
}

const categoryTable: ReadonlyMap<string, DataCategoryInfo> = new Map(
  (categoryData.categories as DataCategoryInfo[]).map((info) => [info.id, info]),
);

/** The declared facts about a category (level, sensitivity), from `data/data-categories.json`. */
export function dataCategoryInfo(category: DataCategory): DataCategoryInfo {
  const info = categoryTable.get(category);
  if (!info) throw new Error(`data category ${category} is not declared in data-categories.json`);
  return info;
}

export function isOptionalCategory(category: DataCategory): boolean {
  return dataCategoryInfo(category).level === 'optional';
}

/** The categories that are identifiers by themselves. */
export const identifierCategories: readonly DataCategory[] = dataCategories.filter(
  (category) => dataCategoryInfo(category).kind === 'identifier',
);

/**
 * A key under which a contact detail serves as a user id (`user_id`, `distinct_id`, `uid`,
 * `userId`, `$user_id`, `authUserId`, `external_id`, `userIdentifier`, a session's `did` …).
 */
const userIdKey =
  /^[$_]?(?:auth[-_]?)?(?:user|distinct|member|account|customer|visitor|device|external)[-_]?id(?:entifier)?$|^[$_]?u?id$|^[$_]?did$|^[$_]?login$/i;

/**
 * The role of a finding: its category's kind, except that a contact detail or name found
 * under a key that names a user id is used as an identifier.
 */
export function findingRole(category: DataCategory, key?: string | null): FindingRole {
  const kind = dataCategoryInfo(category).kind;
  if (kind === 'identifier') return kind;
  // A dotted key (`ai.user.authUserId`) names the field by its last part.
  const field = key?.slice(key.lastIndexOf('.') + 1);
  if (field && (category === 'contact.email' || category === 'contact.phone') && userIdKey.test(field)) return 'identifier';
  return kind;
}

/** Payload protection, decided per flow from measurements (see `ProtectionReport`). */
export const protectionClasses = ['cleartext', 'encoded', 'compressed', 'encrypted', 'unknown'] as const;
export type ProtectionClass = (typeof protectionClasses)[number];

export interface ProtectionReport {
  class: ProtectionClass;
  /** What the payload was measured on: the body, or the query string when there is no body. */
  subject: 'body' | 'query' | 'none';
  /** Raw size in bytes of the subject. */
  size: number;
  /** Layers peeled off to reach the innermost form (e.g. `gzip`, `base64`, `json`). */
  layers: string[];
  /** The structure found under the layers: `json`, `form`, `multipart`, `text`, `protobuf` or `binary`. */
  structure: string;
  /** Shannon entropy in bits per byte of the innermost bytes that could not be decoded further. */
  entropy: number;
  /** Share of printable bytes in those innermost bytes (0–1). */
  printable: number;
  /** Size after deflate divided by size, for binary the analyzer could not decode (1 ≈ incompressible). */
  compressionRatio: number | null;
  /** Whether readable personal data was found in this payload. */
  personalData: boolean;
  /** The reasoning, in words, one line per decision. */
  reasons: string[];
  /** Fields of a readable container that carry ciphertext (field-level encryption), when there are any. */
  envelope?: ProtectionEnvelope;
}

/**
 * How a readable container carries ciphertext: `jwe-compact` (RFC 7516 compact), `jwe-json` (its
 * JSON serialization), `iv-ct-tag` (an object with an iv/nonce and a ciphertext field, often a
 * tag and a wrapped key), `binary-fields` (high-entropy binary fields with no named shape).
 */
export const envelopeShapes = ['jwe-compact', 'jwe-json', 'iv-ct-tag', 'binary-fields'] as const;
export type EnvelopeShape = (typeof envelopeShapes)[number];

/** One field that measured as ciphertext: base64/hex of at least 32 bytes, near-uniform, neither text nor compressed. */
export interface EnvelopeField {
  path: string;
  /** Decoded size in bytes. */
  bytes: number;
  /** Shannon entropy in bits per byte of the decoded bytes, and the highest that many bytes can show. */
  entropy: number;
  ceiling: number;
}

export interface ProtectionEnvelope {
  shape: EnvelopeShape;
  /** The ciphertext-like fields, with their measurements. */
  fields: EnvelopeField[];
  /** Share of the payload's decoded text that the envelope (its ciphertext fields and their siblings) makes up. */
  share: number;
  /** Leaves outside the ciphertext in which readable personal data was found: cleartext whatever else is encrypted. */
  cleartextLeaves: string[];
}

/**
 * How a value was matched: a planted canary, a pattern detector, a tracker-specific adapter, or
 * differential discovery (a value stable across a relaunch and different between fresh profiles).
 */
export type DetectorKind = 'canary' | 'pattern' | 'adapter' | 'differential';

export interface Finding {
  /** Stable id: `<scenario>/<flowId>/<n>`, n counting the flow's findings in order. */
  id: string;
  flowId: string;
  scenario: string;
  phase: Phase;
  category: DataCategory;
  /** Identifier or other personal data (see `FindingRole`); the checks are split along it. */
  role: FindingRole;
  /** `canary:phone`, `pattern:imei`, `adapter:talkingdata`, … */
  detector: string;
  detectorKind: DetectorKind;
  /** The value as found, redacted for display (never the whole identifier). */
  value: string;
  /** Where: `body.json.events[3].props.imei`, `query.d|base64|json.lat`. */
  path: string;
  /** Transformations between the planted value and what was sent (`sha256`, `base64`, `upper`, …). */
  transforms: string[];
  destination: Destination;
  host: string;
  transport: 'http' | 'https';
  /** The protection class of the payload that carried it. */
  protection: ProtectionClass;
}

/** Order of findings inside one flow: path, then category, then detector. */
export function compareFindingsInFlow(a: Finding, b: Finding): number {
  return compareText(a.path, b.path) || compareText(a.category, b.category) || compareText(a.detector, b.detector);
}

/** Code-unit order, independent of the machine's locale (analysis must be reproducible anywhere). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Shows enough of a value to recognise it, never all of it. */
export function redactValue(value: string): string {
  const text = value.length > 64 ? `${value.slice(0, 64)}` : value;
  if (text.length <= 4) return '*'.repeat(text.length);
  const keep = Math.min(4, Math.floor(text.length / 4));
  return `${text.slice(0, keep)}${'*'.repeat(Math.min(text.length - 2 * keep, 24))}${text.slice(-keep)}`;
}

/**
 * A value the harness planted or harvested, to be searched for in every payload. `kind`
 * names the value's role (`phone`, `imei`, `oaid`, `cookie:uid`, …) and picks its
 * normalised forms; `category` is what a match means.
 */
export const canarySchema = z.union([
  z.strictObject({ category: z.enum(dataCategories), kind: z.string().min(1), value: z.string().min(1) }),
  z.strictObject({
    category: z.enum(['location.precise', 'location.coarse']),
    kind: z.literal('geolocation'),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
  }),
]);
export type Canary = z.infer<typeof canarySchema>;
export type ValueCanary = Extract<Canary, { value: string }>;
export type GeoCanary = Extract<Canary, { kind: 'geolocation' }>;

/**
 * `evidence/canaries.json`: the seeded persona, plus any other planted or harvested values
 * (device identifiers read with adb, storage identifiers, the geolocation the driver set).
 */
export const canaryFileSchema = z.object({
  seed: z.number().optional(),
  /** The planted position, as the session set it. */
  geolocation: z.object({ latitude: z.number(), longitude: z.number(), accuracy: z.number() }).optional(),
  persona: z.object({ seed: z.number(), locale: z.string(), name: z.string(), phone: z.string(), email: z.string() }).optional(),
  canaries: z.array(canarySchema).optional(),
});
export type CanaryFile = z.infer<typeof canaryFileSchema>;

/** The canary list of a `canaries.json`: the persona's values first, then the listed canaries. */
export function canariesFromFile(file: CanaryFile): Canary[] {
  const list: Canary[] = [];
  if (file.persona) {
    list.push({ category: 'identity.name', kind: 'name', value: file.persona.name });
    list.push({ category: 'contact.phone', kind: 'phone', value: file.persona.phone });
    list.push({ category: 'contact.email', kind: 'email', value: file.persona.email });
  }
  list.push(...(file.canaries ?? []));
  return list;
}
