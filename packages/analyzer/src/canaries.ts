import { createHash } from 'node:crypto';
import type { Canary, DataCategory, GeoCanary, ValueCanary } from '@conformance/core';
import { AhoCorasick } from './aho-corasick.js';
import type { Leaf, NumericField } from './decode.js';

/** One searchable form of a canary: the text to look for and how it was derived. */
export interface CanaryVariant {
  canary: number;
  category: DataCategory;
  kind: string;
  text: string;
  transforms: string[];
}

/** Raw-ish variants shorter than this are not searched (too many chance matches). */
const MIN_LENGTH = 6;

/** The normalised forms of a value, by kind: phone numbers with and without country code, MACs without separators. */
export function normalisedForms(canary: ValueCanary): Array<{ text: string; transforms: string[] }> {
  const value = canary.value.trim();
  const forms: Array<{ text: string; transforms: string[] }> = [{ text: value, transforms: [] }];
  const add = (text: string, transform: string) => {
    if (text && !forms.some((form) => form.text === text)) forms.push({ text, transforms: [transform] });
  };
  const kind = canary.kind.toLowerCase();
  if (kind === 'phone' || canary.category === 'contact.phone') {
    const digits = value.replace(/\D/g, '');
    add(digits, 'digits');
    const national = /^1[3-9]\d{9}$/.test(digits)
      ? undefined
      : (/^(?:0086|86)(1[3-9]\d{9})$/.exec(digits)?.[1] ?? /^(?:001|1)(\d{10})$/.exec(digits)?.[1]);
    if (national) add(national, 'without-country-code');
    const local = national ?? digits;
    if (/^1[3-9]\d{9}$/.test(local)) {
      add(`86${local}`, 'with-country-code');
      add(`+86${local}`, 'with-country-code');
      add(`+86 ${local}`, 'with-country-code');
    } else if (/^\d{10}$/.test(local)) {
      add(`1${local}`, 'with-country-code');
      add(`+1${local}`, 'with-country-code');
    }
  } else if (kind === 'mac' || kind === 'bssid') {
    const bare = value.replace(/[^0-9a-f]/gi, '').toLowerCase();
    add(bare, 'no-separators');
    add(bare.replace(/(..)(?!$)/g, '$1:'), 'colons');
    add(bare.replace(/(..)(?!$)/g, '$1-'), 'dashes');
  } else if (kind === 'email' || canary.category === 'contact.email') {
    add(value.toLowerCase(), 'lower');
  }
  return forms;
}

/** Every searchable variant of a canary: raw, URL-encoded, base64, and MD5/SHA-1/SHA-256 of each normalised form. */
export function canaryVariants(canary: ValueCanary, index: number): CanaryVariant[] {
  const variants: CanaryVariant[] = [];
  const seen = new Set<string>();
  const push = (text: string, transforms: string[], minLength = MIN_LENGTH) => {
    const key = text.toLowerCase();
    if (text.length < minLength || seen.has(key)) return;
    seen.add(key);
    variants.push({ canary: index, category: canary.category, kind: canary.kind, text, transforms });
  };
  for (const form of normalisedForms(canary)) {
    const base = form.transforms;
    push(form.text, base);
    push(encodeURIComponent(form.text), [...base, 'url']);
    push(form.text.replace(/ /g, '+'), [...base, 'form']);
    const b64 = Buffer.from(form.text, 'utf8').toString('base64').replace(/=+$/, '');
    push(b64, [...base, 'base64'], 8);
    push(Buffer.from(form.text, 'utf8').toString('base64url'), [...base, 'base64url'], 8);
    const casings = new Set([form.text, form.text.toLowerCase(), form.text.toUpperCase()]);
    for (const text of casings) {
      const casing = text === form.text ? [] : [text === form.text.toLowerCase() ? 'lower' : 'upper'];
      for (const algorithm of ['md5', 'sha1', 'sha256'] as const) {
        const digest = createHash(algorithm).update(text, 'utf8').digest();
        push(digest.toString('hex'), [...base, ...casing, algorithm]);
        if (algorithm === 'sha256') push(digest.toString('base64').replace(/=+$/, ''), [...base, ...casing, algorithm, 'base64']);
      }
    }
  }
  return variants;
}

export interface CanaryMatch {
  leaf: Leaf;
  variant: CanaryVariant;
  matched: string;
}

/**
 * All value canaries compiled into one automaton: a flow's decoded leaves are joined and
 * scanned once, whatever the number of canaries and variants.
 */
export class CanaryMatcher {
  readonly variants: CanaryVariant[];
  readonly geo: GeoCanary[];
  private readonly automaton: AhoCorasick | undefined;

  constructor(canaries: readonly Canary[]) {
    this.variants = [];
    this.geo = [];
    canaries.forEach((canary, index) => {
      if ('value' in canary) this.variants.push(...canaryVariants(canary, index));
      else this.geo.push(canary);
    });
    this.automaton = this.variants.length > 0 ? new AhoCorasick(this.variants.map((variant) => variant.text)) : undefined;
  }

  /** Matches over the leaves, one per (leaf, canary), the least transformed variant first. */
  match(leaves: readonly Leaf[], joined: string, starts: LeafStarts): CanaryMatch[] {
    if (!this.automaton) return [];
    let best: Map<string, CanaryMatch> | undefined;
    this.automaton.search(joined, ({ pattern, start, end }) => {
      const variant = this.variants[pattern]!;
      // Whole tokens only: a value must not be part of a longer word or number.
      if (isWordChar(joined.charCodeAt(start - 1)) || isWordChar(joined.charCodeAt(end))) return;
      const leafIndex = starts.leafAt(start);
      const leaf = leaves[leafIndex]!;
      const key = `${leafIndex}:${variant.canary}`;
      best ??= new Map();
      const previous = best.get(key);
      if (!previous || variant.transforms.length < previous.variant.transforms.length) {
        best.set(key, { leaf, variant, matched: joined.slice(start, end) });
      }
    });
    // Most flows hold no canary: no map was made.
    if (!best) return [];
    // The same canary found outside and inside a layer (base64 of it in `d`, itself in `d|base64`): keep the inner place.
    const matches = [...best.values()];
    return matches.filter(
      (outer) =>
        !matches.some(
          (inner) =>
            inner !== outer && inner.variant.canary === outer.variant.canary && inner.leaf.path.startsWith(`${outer.leaf.path}|`),
        ),
    );
  }
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Where each leaf's text starts in the leaves' texts joined by newlines, worked out on the first
 * match only: most flows have none.
 */
export class LeafStarts {
  private starts: number[] | undefined;
  constructor(private readonly leaves: readonly Leaf[]) {}

  /** Index of the leaf a position of the joined text falls in. */
  leafAt(position: number): number {
    if (!this.starts) {
      this.starts = [];
      let offset = 0;
      for (const leaf of this.leaves) {
        this.starts.push(offset);
        offset += leaf.text.length + 1;
      }
    }
    return leafAt(this.starts, position);
  }
}

/** Index of the leaf a position of the joined text falls in. */
export function leafAt(starts: readonly number[], position: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= position) low = mid;
    else high = mid - 1;
  }
  return low;
}

export interface GeoMatch {
  canary: GeoCanary;
  latitude: NumericField;
  longitude: NumericField;
  distanceM: number;
}

/** Metres between two coordinates (haversine). */
export function distanceMetres(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Coordinates as written, and scaled by 10^6. */
const geoScales = [1, 1e6] as const;

/**
 * The planted geolocation found in a flow: a latitude and a longitude within `toleranceM`
 * of it, whether they sit in two fields or in one `lat,lng` string (split by the decoder
 * into numbers of the same parent), also scaled by 10^6 (a common integer encoding).
 */
export function matchGeo(geo: readonly GeoCanary[], numbers: readonly NumericField[], toleranceM: number): GeoMatch[] {
  const matches: GeoMatch[] = [];
  for (const canary of geo) {
    const degLat = toleranceM / 111_320;
    const degLng = toleranceM / (111_320 * Math.max(0.01, Math.cos((canary.latitude * Math.PI) / 180)));
    for (const scale of geoScales) {
      const lats = near(numbers, canary.latitude, degLat, scale);
      if (lats.length === 0) continue;
      const lngs = near(numbers, canary.longitude, degLng, scale);
      for (const lat of lats) {
        const lng =
          lngs.find((candidate) => candidate.parent === lat.parent && candidate.path !== lat.path) ??
          lngs.find((c) => c.path !== lat.path);
        if (!lng) continue;
        const distanceM = distanceMetres(canary.latitude, canary.longitude, lat.value / scale, lng.value / scale);
        if (distanceM <= toleranceM) {
          matches.push({ canary, latitude: lat, longitude: lng, distanceM });
          break;
        }
      }
    }
  }
  return matches;
}

/** The fields within `degrees` of a coordinate at a scale (a loop: this runs for every flow). */
function near(numbers: readonly NumericField[], coordinate: number, degrees: number, scale: number): NumericField[] {
  const found: NumericField[] = [];
  for (const field of numbers) {
    if (Math.abs(field.value / scale - coordinate) <= degrees && hasFraction(field, scale)) found.push(field);
  }
  return found;
}

/** A coordinate has a fraction (or, scaled, at least 6 digits): small integers are not coordinates. */
function hasFraction(field: NumericField, scale: number): boolean {
  return scale === 1 ? field.decimals >= 1 : Number.isInteger(field.value) && Math.abs(field.value) >= 100_000;
}
