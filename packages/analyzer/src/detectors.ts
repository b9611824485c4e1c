import type { DataCategory } from '@conformance/core';
import lists from './data/detectors.json' with { type: 'json' };
import type { LeafStarts } from './canaries.js';
import type { DecodedFlow, Leaf, NumericField } from './decode.js';

/**
 * Pattern detectors for values nobody planted. Precision first: a shape that random ids,
 * timestamps or hashes can take (15 digits, 16 hex, a UUID, an IPv4-looking version
 * string) is reported only under a field whose name says what it is (the key hints in
 * `data/detectors.json`), and checksums are verified where the format has one.
 */
export interface Detection {
  leaf: Leaf | { path: string; key: string; text: string };
  category: DataCategory;
  detector: string;
  value: string;
}

type HintList = keyof typeof lists.keyHints;

const hintCache = new Map<string, Set<HintList>>();

/** Which hint lists a field name belongs to (cached: field names repeat a lot). */
export function keyHints(key: string): Set<HintList> {
  // The lookup stays apart from the computation: a function with closures allocates their
  // context on every call, and this one is called for every field of every flow.
  return hintCache.get(key) ?? computeKeyHints(key);
}

function computeKeyHints(key: string): Set<HintList> {
  const hints = new Set<HintList>();
  const compact = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const words = new Set(
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean),
  );
  words.add(compact);
  for (const [list, entries] of Object.entries(lists.keyHints) as Array<[HintList, string[]]>) {
    if (entries.some((hint) => (hint.length >= 4 ? compact.includes(hint) : words.has(hint)))) hints.add(list);
  }
  if (hintCache.size < 10_000) hintCache.set(key, hints);
  return hints;
}

const reportingBodies = new Set(lists.imeiReportingBodies);
const provinces = new Set(lists.prcProvinceCodes);
const packagePrefixes = new Set(lists.packageNamePrefixes);
const fileExtensions = new Set(lists.emailFileExtensions);
const ignoredMacs = new Set(lists.ignoredMacs);
const ignoredAdIds = new Set(lists.ignoredAdIds);

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isImei(digits: string): boolean {
  return /^\d{15}$/.test(digits) && reportingBodies.has(digits.slice(0, 2)) && luhnValid(digits);
}

/** PRC resident identity number: province code, a real birth date, ISO 7064 MOD 11-2 check character. */
export function isPrcResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id) || !provinces.has(id.slice(0, 2))) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * weights[i]!;
  return '10X98765432'[sum % 11] === id[17]!.toUpperCase();
}

function isIpv4(text: string): boolean {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => part > 255)) return false;
  const [a] = parts as [number, number, number, number];
  return !(a === 0 || a === 127 || a === 255 || text === '0.0.0.0');
}

/** A reverse-DNS package or bundle name: com.example.app. */
export function isPackageName(text: string): boolean {
  if (text.length < 5 || text.length > 150 || !/^[A-Za-z][\w]*(\.[A-Za-z_][\w]*)+$/.test(text)) return false;
  return packagePrefixes.has(text.slice(0, text.indexOf('.')).toLowerCase());
}

interface Rule {
  detector: string;
  regex: RegExp;
  /** The rule can only report under one of these field hints: skip it when no field has one. */
  needs?: HintList[];
  /** A cheap test the text must pass before the full regex runs. */
  quick?: (text: string) => boolean;
  /** Decides one candidate; returns the category, or undefined to drop it. */
  decide(value: string, hints: Set<HintList>, match: RegExpExecArray): DataCategory | undefined;
}

const macQuick = /[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]|[0-9A-Fa-f]{12}/;

// The quick tests below run over every flow's whole text, so they are loops over character codes
// rather than regular expressions.

/**
 * `/\d{17}/.test(text)`, looking at few characters: a run of 17 digits ending at `end` needs a
 * digit there; if there is none, the next run can only end 17 further on, and if there is one,
 * counting the digits before it tells where the next possible run would end.
 */
export function hasDigitRun17(text: string): boolean {
  let end = 16;
  while (end < text.length) {
    if (!isDigitCode(text.charCodeAt(end))) {
      end += 17;
      continue;
    }
    let start = end;
    while (start > end - 16 && isDigitCode(text.charCodeAt(start - 1))) start--;
    if (start === end - 16) return true;
    // text[start - 1] is not a digit: a run starts at `start` at the earliest.
    end = start + 16;
  }
  return false;
}

/** `-`, `.` or a space: what the phone pattern allows between the groups of a North American number. */
function isPhoneSeparator(code: number): boolean {
  return code === 45 || code === 46 || code === 32;
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * `/[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]/.test(text)`: two separated hex pairs, the start of a
 * MAC. Only the separators are visited, found with `indexOf` (a flow's text has few of them).
 */
export function hasSeparatedHexPairs(text: string): boolean {
  let colon = text.indexOf(':', 2);
  let dash = text.indexOf('-', 2);
  while (colon >= 0 || dash >= 0) {
    const i = colon < 0 ? dash : dash < 0 ? colon : Math.min(colon, dash);
    if (i + 3 >= text.length) return false;
    if (i === colon) colon = text.indexOf(':', i + 1);
    else dash = text.indexOf('-', i + 1);
    const after = text.charCodeAt(i + 3);
    if (
      (after === 58 || after === 45) &&
      isHexCode(text.charCodeAt(i + 1)) &&
      isHexCode(text.charCodeAt(i + 2)) &&
      isHexCode(text.charCodeAt(i - 1)) &&
      isHexCode(text.charCodeAt(i - 2))
    ) {
      return true;
    }
  }
  return false;
}

/** The phone rule's pattern: a Chinese mobile number, an international number, a North American one. */
export const phonePattern =
  /(?<![0-9A-Za-z+])(?:(?:\+|00)?86[- ]?)?1[3-9]\d{9}(?![0-9])|(?<![0-9A-Za-z])\+[1-9]\d{7,14}(?![0-9])|(?<![0-9A-Za-z])\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?![0-9])/g;

/**
 * Whether `text` may hold a match of the phone rule, looking at few characters: its first
 * alternative ends a run of digits with `1[3-9]` and nine more digits, its second needs a `+`
 * before a digit 1–9, its third ends with a run of exactly four digits after a separator (`-`, `.`
 * or a space), three digits and another separator.
 * Runs of four digits or more are found by looking at every fourth character only. False means
 * the rule's regular expression finds nothing (the timestamps and counters of most payloads do
 * not get it run).
 */
export function mayHoldPhone(text: string): boolean {
  for (let plus = text.indexOf('+'); plus >= 0; plus = text.indexOf('+', plus + 1)) {
    const next = text.charCodeAt(plus + 1);
    if (next >= 49 && next <= 57) return true;
  }
  const length = text.length;
  let probe = 3;
  while (probe < length) {
    if (!isDigitCode(text.charCodeAt(probe))) {
      probe += 4;
      continue;
    }
    let start = probe;
    while (start > 0 && isDigitCode(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < length && isDigitCode(text.charCodeAt(end))) end++;
    const run = end - start;
    if (run >= 11) {
      const second = text.charCodeAt(end - 10);
      if (text.charCodeAt(end - 11) === 49 && second >= 51 && second <= 57) return true;
    } else if (run === 4 && start >= 8) {
      // `\d{3}[-. ]\d{4}` after a separator: the ids of most payloads (UUIDs) have no separator there.
      if (
        isPhoneSeparator(text.charCodeAt(start - 1)) &&
        isDigitCode(text.charCodeAt(start - 2)) &&
        isDigitCode(text.charCodeAt(start - 3)) &&
        isDigitCode(text.charCodeAt(start - 4)) &&
        isPhoneSeparator(text.charCodeAt(start - 5))
      )
        return true;
    }
    // text[end] is not a digit: the next run of four starts at end + 1 or later.
    probe = end + 4;
  }
  return false;
}

/** The first alternative of the mac rule alone (its matches never overlap the second's). */
const macSeparated = /(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g;

const rules: Rule[] = [
  {
    detector: 'imei',
    needs: ['imei'],
    regex: /(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])/g,
    decide: (value, hints) => (hints.has('imei') && isImei(value) ? 'device-id.hardware' : undefined),
  },
  {
    detector: 'meid',
    needs: ['meid'],
    regex: /(?<![0-9A-Za-z])[0-9A-Fa-f]{14}(?![0-9A-Za-z])/g,
    decide: (value, hints) => (hints.has('meid') && /^[a-f0-9]{14}$/i.test(value) ? 'device-id.hardware' : undefined),
  },
  {
    detector: 'mac',
    quick: (text) => macQuick.test(text),
    regex:
      /(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])|(?<![0-9A-Za-z])[0-9A-Fa-f]{12}(?![0-9A-Za-z])/g,
    decide: (value, hints) => {
      const bare = value.replace(/[:-]/g, '').toLowerCase();
      if (ignoredMacs.has(bare)) return undefined;
      if (hints.has('bssid')) return 'network.wifi';
      if (hints.has('mac')) return 'device-id.hardware';
      // Separated form is distinctive enough on its own, but not if the field says it is something else.
      if (value.length === 17 && /[a-f]/i.test(bare) && hints.size === 0) return 'device-id.hardware';
      return undefined;
    },
  },
  {
    detector: 'android-id',
    needs: ['androidId'],
    regex: /(?<![0-9A-Za-z])[0-9a-fA-F]{16}(?![0-9A-Za-z])/g,
    decide: (value, hints) => (hints.has('androidId') && !/^0+$/.test(value) ? 'device-id.resettable' : undefined),
  },
  {
    detector: 'advertising-id',
    needs: ['adId'],
    regex:
      /(?<![0-9A-Za-z-])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{64}|[0-9a-fA-F]{32})(?![0-9A-Za-z-])/g,
    decide: (value, hints) =>
      hints.has('adId') && !ignoredAdIds.has(value.toLowerCase()) && !/^0+$/.test(value) ? 'device-id.resettable' : undefined,
  },
  {
    detector: 'phone',
    quick: mayHoldPhone,
    regex: phonePattern,
    decide: (value, hints) => {
      if (hints.has('phone')) return 'contact.phone';
      // Without a field name: only a Chinese mobile number written with its country code.
      return /^(?:\+|00)86[- ]?1[3-9]\d{9}$/.test(value) ? 'contact.phone' : undefined;
    },
  },
  {
    detector: 'email',
    quick: (text) => text.includes('@'),
    regex: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,24})(?![A-Za-z0-9-])/g,
    decide: (_value, _hints, match) => (fileExtensions.has(match[1]!.toLowerCase()) ? undefined : 'contact.email'),
  },
  {
    detector: 'prc-resident-id',
    quick: hasDigitRun17,
    regex: /(?<![0-9A-Za-z])[1-8]\d{16}[\dXx](?![0-9A-Za-z])/g,
    decide: (value) => (isPrcResidentId(value) ? 'identity.national-id' : undefined),
  },
  {
    detector: 'ipv4',
    needs: ['ip'],
    regex: /(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])/g,
    decide: (value, hints) => (hints.has('ip') && isIpv4(value) ? 'network.ip' : undefined),
  },
  {
    detector: 'ipv6',
    needs: ['ip'],
    regex:
      /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f:])/g,
    decide: (value, hints) => (hints.has('ip') && value !== '::1' ? 'network.ip' : undefined),
  },
];

const presentHints = new Set<HintList>();

function anyPresent(hints: readonly HintList[], present: ReadonlySet<HintList>): boolean {
  for (const hint of hints) if (present.has(hint)) return true;
  return false;
}

/** Runs every pattern detector over a decoded flow. */
export function detectPatterns(decoded: DecodedFlow, joined: string, starts: LeafStarts): Detection[] {
  const found: Detection[] = [];
  // One set for every call (cleared here, read only during the call): most flows add nothing to it.
  const present = presentHints;
  present.clear();
  for (const leaf of decoded.leaves) {
    // Most field names hint at nothing: skip them without creating an iterator.
    const hints = leaf.key ? keyHints(leaf.key) : undefined;
    if (hints?.size) for (const hint of hints) present.add(hint);
  }
  for (const rule of rules) {
    if (rule.needs && !anyPresent(rule.needs, present)) continue;
    // A bare 12-hex MAC is only reported under a mac/bssid field: without one, only the separated form can match.
    const narrow = rule.detector === 'mac' && !present.has('mac') && !present.has('bssid');
    if (narrow ? !hasSeparatedHexPairs(joined) : rule.quick && !rule.quick(joined)) continue;
    const regex = narrow ? macSeparated : rule.regex;
    regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(joined)) !== null) {
      const leaf = decoded.leaves[starts.leafAt(match.index)]!;
      const category = rule.decide(match[0], keyHints(leaf.key), match);
      if (category) found.push({ leaf, category, detector: `pattern:${rule.detector}`, value: match[0] });
    }
  }
  found.push(...detectCoordinates(decoded.numbers), ...detectAppLists(decoded, present.has('appList')));
  // Only fields named as an SSID or a cell id can report here: most flows have none.
  if (present.has('ssid') || present.has('cell')) found.push(...detectByKey(decoded.leaves));
  return found;
}

/** Whether a number sits under a field named as a latitude or a location string (a loop: no closure per flow). */
function anyCoordinateKey(numbers: readonly NumericField[]): boolean {
  for (const field of numbers) {
    const hints = keyHints(field.key);
    if (hints.has('latitude') || hints.has('geoString')) return true;
  }
  return false;
}

/** A latitude/longitude pair: two sibling fields named so, or one `lat,lng` string under a location field. */
export function detectCoordinates(numbers: readonly NumericField[]): Detection[] {
  const found: Detection[] = [];
  // Every pair needs a field named as a latitude or as a location string: most flows have none.
  if (!anyCoordinateKey(numbers)) return found;
  const byParent = new Map<string, NumericField[]>();
  for (const field of numbers) {
    const list = byParent.get(field.parent);
    if (list) list.push(field);
    else byParent.set(field.parent, [field]);
  }
  for (const [parent, fields] of byParent) {
    let lat: NumericField | undefined;
    let lng: NumericField | undefined;
    const first = `${parent}[0]`;
    const second = `${parent}[1]`;
    const pair = fields.filter((field) => field.path === first || field.path === second);
    if (pair.length === 2 && keyHints(pair[0]!.key).has('geoString')) {
      [lat, lng] = keyHints(pair[0]!.key).has('lngFirst') ? [pair[1], pair[0]] : [pair[0], pair[1]];
    } else {
      lat = fields.find((field) => keyHints(field.key).has('latitude') && !keyHints(field.key).has('longitude'));
      lng = fields.find((field) => keyHints(field.key).has('longitude') && field !== lat);
    }
    if (!lat || !lng) continue;
    for (const scale of [1, 1e6]) {
      const la = lat.value / scale;
      const lo = lng.value / scale;
      const scaled = scale !== 1;
      if (scaled && !(Number.isInteger(lat.value) && Math.abs(lat.value) >= 100_000)) continue;
      if (!scaled && lat.decimals < 1 && lng.decimals < 1) continue;
      if (Math.abs(la) > 90 || Math.abs(lo) > 180 || (Math.abs(la) < 0.01 && Math.abs(lo) < 0.01)) continue;
      const decimals = scaled ? 6 : Math.max(lat.decimals, lng.decimals);
      found.push({
        leaf: { path: lat.path, key: lat.key, text: `${la},${lo}` },
        category: decimals > COARSE_DECIMALS_MAX ? 'location.precise' : 'location.coarse',
        detector: 'pattern:lat-long',
        value: `${la},${lo}`,
      });
      break;
    }
  }
  return found;
}

/** More decimals than this is precise location (checklist parameter COARSE_DECIMALS_MAX, about 100 m). */
export const COARSE_DECIMALS_MAX = 3;

const listSeparator = /[,;|]/;
const listSplit = /\s*[,;|]\s*/;

/**
 * Arrays (or separated strings) of package or bundle names. `hinted` false says no field of the
 * flow is named as an app list, so only arrays can qualify.
 */
export function detectAppLists(decoded: DecodedFlow, hinted = true): Detection[] {
  const found: Detection[] = [];
  if (decoded.arrays.length === 0 && !hinted) return found;
  const candidates = decoded.arrays.map((array) => ({ path: array.path, key: array.key, values: array.values }));
  if (hinted)
    for (const leaf of decoded.leaves) {
      if (keyHints(leaf.key).has('appList') && leaf.text.length >= 15 && listSeparator.test(leaf.text)) {
        candidates.push({ path: leaf.path, key: leaf.key, values: leaf.text.split(listSplit) });
      }
    }
  for (const candidate of candidates) {
    const packages = candidate.values.filter(isPackageName);
    const hinted = keyHints(candidate.key).has('appList');
    const enough = hinted ? packages.length >= 2 : packages.length >= 5;
    if (enough && packages.length / candidate.values.length >= 0.8) {
      found.push({
        leaf: { path: candidate.path, key: candidate.key, text: packages.join(',') },
        category: 'app-list',
        detector: 'pattern:app-list',
        value: `${packages.length} apps: ${packages.slice(0, 3).join(', ')}`,
      });
    }
  }
  return found;
}

const unknownSsid = /^(<unknown ssid>|unknown|null|0)$/i;
const cellId = /^\d{2,12}$/;

/** Values whose field name alone is unambiguous: Wi-Fi SSID, cell identifiers. */
function detectByKey(leaves: readonly Leaf[]): Detection[] {
  const found: Detection[] = [];
  for (const leaf of leaves) {
    if (leaf.key.length < 3 || leaf.text.length === 0 || leaf.text.length > 64) continue;
    const hints = keyHints(leaf.key);
    if (hints.has('ssid') && !hints.has('bssid') && !unknownSsid.test(leaf.text)) {
      found.push({ leaf, category: 'network.wifi', detector: 'pattern:ssid', value: leaf.text });
    } else if (hints.has('cell') && cellId.test(leaf.text) && leaf.text !== '0') {
      found.push({ leaf, category: 'network.cell', detector: 'pattern:cell-id', value: leaf.text });
    }
  }
  return found;
}
