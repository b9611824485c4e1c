import type { Canary, DataCategory, ScenarioEvidence } from '@conformance/core';
import { base64Encoding } from './decode.js';
import { quietly } from './quietly.js';
import { isReadable } from './readable.js';

/**
 * Identifiers the app and its SDKs keep in cookies and web storage, at any depth: a value is
 * peeled (URL-encoding, base64/base64url, JSON, JSON inside a JSON string, `a=1&b=2` fields,
 * `|`-delimited parts) and every leaf that
 * looks like an identifier becomes a canary named by where it was kept:
 * `localStorage:ph_abc_posthog.$device_id`, `cookie:_sdk_id.deviceId`, `indexedDB:db/store.installId`.
 */

/** Layers peeled from one stored value (URL-encoding, base64, JSON in a string each count one). */
export const STORAGE_MAX_LAYERS = 8;
/** Object/array nesting followed inside one JSON value. */
export const STORAGE_MAX_NESTING = 32;
/** Longest stored value looked into (longer values are skipped: a cache, not an id store). */
export const STORAGE_MAX_CHARS = 256 * 1024;
/** Most identifier leaves taken from one stored value. */
const MAX_LEAVES_PER_VALUE = 200;
/** A stored value of `name=value` fields joined by `&`. */
const FORM = /^[A-Za-z_$][\w.$-]*=[^&=]*(&[A-Za-z_$][\w.$-]*=[^&=]*)*$/;
/** Parts of a `|`-delimited value looked into. */
const MAX_DELIMITED_PARTS = 16;

/** One identifier-looking leaf of a stored value. */
export interface StoredIdentifier {
  /** `<key>` for the whole value, `<key>.$device_id`, `<key>.props[0].id` for a leaf inside it. */
  path: string;
  /** The field name that holds it (the last object key), or the storage key. */
  key: string;
  value: string;
}

/** A stored value that may be an identifier: long enough, one token, letters, digits and a few separators. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:+/=-]{14,127}$/;
const VERSION = /^v?\d+(\.\d+){1,3}([-+][\w.]+)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Keys under which an SDK keeps its integration's own key (the same in every installation): not a user's or device's id. */
const INTEGRATION_KEY =
  /^[$_]?(?:app|api|project|site|write|sdk|public|license|publishable)[-_]?(?:key|token)$|^[$_]?app[-_]?id$/i;
const USER_ID_KEY =
  /^[$_]?(?:user|member|account|customer|login|profile)[-_]?(?:id|key)$|^[$_]?(?:uid|login_id|loginid|userid)$/i;

/**
 * Whether a stored leaf looks like an identifier. The false-positive guard: timestamps
 * (10–13 digits, ISO dates), booleans and words, short values, URLs, version strings and values
 * without a digit are not ids.
 */
export function looksLikeStoredIdentifier(value: string): boolean {
  if (!IDENTIFIER.test(value)) return false;
  let digits = 0;
  let letters = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
  }
  if (digits === 0) return false;
  // All digits: a timestamp (seconds or milliseconds) or a counter, unless it is long (16+: a numeric id).
  if (letters === 0 && digits === value.length && value.length < 16) return false;
  if (VERSION.test(value) || ISO_DATE.test(value) || URL_LIKE.test(value)) return false;
  // A dotted name with few digits is a host or package name, not an id.
  if (value.includes('.') && digits < 4) return false;
  return true;
}

/** `account-id` under a key that names a user or account, otherwise an id the app or SDK kept on the device. */
export function storedIdentifierCategory(key: string): DataCategory {
  return USER_ID_KEY.test(key) ? 'account-id' : 'device-id.app-scoped';
}

/** Every identifier-looking leaf of one stored value, with its path below `name`. */
export function storedIdentifiers(name: string, value: string): StoredIdentifier[] {
  const found: StoredIdentifier[] = [];
  if (value.length > STORAGE_MAX_CHARS) return found;
  peelText(name, name, value, 0, found);
  return found;
}

function peelText(path: string, key: string, text: string, layers: number, found: StoredIdentifier[]): void {
  if (found.length >= MAX_LEAVES_PER_VALUE) return;
  const trimmed = text.trim();
  if (layers < STORAGE_MAX_LAYERS && trimmed.length >= 2) {
    const lead = trimmed.charCodeAt(0);
    if (lead === 123 || lead === 91 || lead === 34) {
      const parsed = quietly(() => JSON.parse(trimmed) as unknown, undefined);
      if (parsed !== undefined && (typeof parsed === 'object' || typeof parsed === 'string')) {
        if (typeof parsed === 'string') return peelText(path, key, parsed, layers + 1, found);
        if (parsed !== null) return peelJson(path, parsed, layers + 1, 0, found);
      }
    }
    if (trimmed.includes('%')) {
      const decoded = quietly(() => decodeURIComponent(trimmed), undefined);
      if (decoded !== undefined && decoded !== trimmed) return peelText(path, key, decoded, layers + 1, found);
    }
    const encoding = trimmed.length >= 8 ? base64Encoding(trimmed) : undefined;
    if (encoding) {
      const bytes = Buffer.from(trimmed, encoding);
      // Readable bytes under base64 are a layer (JSON, a URL-encoded value, a wrapped id or another
      // base64 layer); a random id almost never decodes to readable text.
      if (bytes.length >= 2 && isReadable(bytes)) return peelText(path, key, bytes.toString('utf8'), layers + 1, found);
    }
    // `rum=0&id=<id>&created=…` (a session cookie kept form-encoded): each field is a leaf.
    if (FORM.test(trimmed)) {
      for (const [name, field] of new URLSearchParams(trimmed)) {
        if (found.length >= MAX_LEAVES_PER_VALUE) return;
        peelText(`${path}.${name}`, name, field, layers + 1, found);
      }
      return;
    }
    // `<id>|<timestamp>` (an id kept beside its creation time): each part is a leaf.
    if (trimmed.includes('|')) {
      const parts = trimmed.split('|');
      if (parts.length <= MAX_DELIMITED_PARTS) {
        for (const [index, part] of parts.entries()) peelText(`${path}[${index}]`, key, part, layers + 1, found);
        return;
      }
    }
  }
  if (looksLikeStoredIdentifier(trimmed)) found.push({ path, key, value: trimmed });
}

function peelJson(path: string, value: object, layers: number, nesting: number, found: StoredIdentifier[]): void {
  if (nesting >= STORAGE_MAX_NESTING) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && found.length < MAX_LEAVES_PER_VALUE; i++) {
      peelLeaf(`${path}[${i}]`, lastKey(path), value[i], layers, nesting + 1, found);
    }
    return;
  }
  for (const name in value) {
    if (found.length >= MAX_LEAVES_PER_VALUE) return;
    peelLeaf(`${path}.${name}`, name, (value as Record<string, unknown>)[name], layers, nesting + 1, found);
  }
}

function peelLeaf(path: string, key: string, value: unknown, layers: number, nesting: number, found: StoredIdentifier[]): void {
  if (typeof value === 'string') peelText(path, key, value, layers, found);
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1e15) {
    found.push({ path, key, value: String(value) });
  } else if (value !== null && typeof value === 'object') peelJson(path, value, layers, nesting, found);
}

function lastKey(path: string): string {
  const stripped = path.replace(/(\[\d+\])+$/, '');
  const dot = stripped.lastIndexOf('.');
  return dot < 0 ? stripped : stripped.slice(dot + 1);
}

/**
 * Identifiers the app kept in cookies and web storage become canaries: if one of them is later
 * sent, an id stored on the device is going out. Ids under a user or account key are
 * `account-id`, others `device-id.app-scoped`. Each value once, named by its first place.
 */
export function storageCanaries(scenarios: readonly ScenarioEvidence[]): Canary[] {
  const seen = new Set<string>();
  const canaries: Canary[] = [];
  const add = (store: string, name: string, value: string) => {
    for (const id of storedIdentifiers(name, value)) {
      if (seen.has(id.value) || INTEGRATION_KEY.test(id.key)) continue;
      seen.add(id.value);
      canaries.push({ category: storedIdentifierCategory(id.key), kind: `${store}:${id.path}`, value: id.value });
    }
  };
  for (const scenario of scenarios) {
    for (const cookie of scenario.storage?.cookies ?? []) add('cookie', cookie.name, cookie.value);
    for (const origin of scenario.storage?.origins ?? []) {
      for (const [key, value] of Object.entries(origin.localStorage)) add('localStorage', key, value);
      for (const [key, value] of Object.entries(origin.sessionStorage)) add('sessionStorage', key, value);
      for (const store of origin.indexedDB) {
        for (const record of store.sample ?? []) add('indexedDB', `${store.database}/${store.store}`, record);
      }
    }
  }
  return canaries;
}
