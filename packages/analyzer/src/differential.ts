import { createHash } from 'node:crypto';
import {
  compareFindingsInFlow,
  findingRole,
  isThirdParty,
  redactValue,
  type AnalyzedScenario,
  type DiscoveredIdentifier,
  type Finding,
  type IdentifierSighting,
} from '@conformance/core';
import type { Leaf } from './decode.js';

/**
 * Differential identifier discovery, with no knowledge of any SDK. Every scenario starts from a
 * fresh profile; a scenario that relaunches the app keeps its profile across the relaunch. A
 * high-entropy value sent to a third party
 * - that is the same before and after the relaunch of one scenario, is seen in no other
 *   scenario, and another fresh profile sent a different value at the same place (host and path)
 *   is a **persistent identifier** (a finding `device-id.app-scoped`, detector `differential`);
 * - that was sent in several flows on one side of the relaunch and changed at that place across
 *   it is **session-scoped** (reported, no finding).
 * The false-positive guard: a candidate is 16–256 characters of one token with letters and digits
 * (or 16+ digits), at least 3 bits of entropy per character; timestamps (10–13 digits), ISO dates,
 * version strings and URLs are not candidates; hashes (MD5, SHA-1, SHA-256; hex or base64) of a
 * URL seen in the capture (the page URL, a Referer, a URL in a payload) are dropped; a value seen
 * identically in more than one scenario (a build id, a key, a constant) is not an identifier,
 * because fresh profiles must differ.
 */

const TOKEN = /^[A-Za-z0-9_.:+/=-]{16,256}$/;
const VERSION = /^v?\d+(\.\d+){1,3}([-+][\w.]+)?$/i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Bits of entropy per character of a text. */
function charEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether a leaf's text may be an identifier (cheap tests first: this runs on every leaf of third-party flows). */
export function isIdentifierCandidate(text: string): boolean {
  const length = text.length;
  if (length < 16 || length > 256 || !TOKEN.test(text)) return false;
  let digits = 0;
  let letters = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
  }
  if (digits === 0 || (letters === 0 && digits < 16)) return false;
  if (VERSION.test(text) || ISO_DATE.test(text) || URL_LIKE.test(text)) return false;
  return charEntropy(text) >= 3;
}

/** Hashes of a URL as an SDK may send them. */
function urlHashes(url: string, into: Set<string>): void {
  const forms = new Set([url, url.replace(/\/$/, ''), url.split('?')[0]!, url.split('#')[0]!]);
  for (const form of forms) {
    for (const algorithm of ['md5', 'sha1', 'sha256'] as const) {
      const digest = createHash(algorithm).update(form).digest();
      into.add(digest.toString('hex'));
      into.add(digest.toString('base64').replace(/=+$/, ''));
      into.add(digest.toString('base64url'));
    }
  }
}

/** What the flow analyzer keeps of one flow for discovery. */
export interface FlowCandidates {
  leaves: Leaf[];
  urls: string[];
}

/**
 * What one flow keeps for discovery is bounded: at most CANDIDATE_LIMITS.perPlace values at one
 * place (path with array indices removed: a batch of 2,000 events keeps the first few of each
 * field) and CANDIDATE_LIMITS.perFlow in all, so memory does not grow with the size of the
 * bodies of a capture.
 */
export const CANDIDATE_LIMITS = { perPlace: 8, perFlow: 512 } as const;

export function candidatesOf(leaves: readonly Leaf[]): FlowCandidates {
  const out: FlowCandidates = { leaves: [], urls: [] };
  const perPlace = new Map<string, number>();
  for (const leaf of leaves) {
    if (out.leaves.length + out.urls.length >= CANDIDATE_LIMITS.perFlow) break;
    const place = leaf.path.replace(/\[\d+\]/g, '[]');
    const seen = perPlace.get(place) ?? 0;
    if (seen >= CANDIDATE_LIMITS.perPlace) continue;
    const text = leaf.text;
    const isUrl = text.length >= 8 && (text.startsWith('http://') || text.startsWith('https://'));
    if (!isUrl && !isIdentifierCandidate(text)) continue;
    perPlace.set(place, seen + 1);
    if (isUrl) out.urls.push(text);
    else out.leaves.push(leaf);
  }
  return out;
}

interface Sighting extends IdentifierSighting {
  slot: string;
  value: string;
}

function slotOf(host: string, path: string): string {
  return `${host}\u0000${path.replace(/\[\d+\]/g, '[]')}`;
}

/**
 * Discovers identifiers across the scenarios of an analysis: adds a `differential` finding to
 * every third-party flow that carried a persistent identifier (where no identifier was found at
 * that place already) and returns the evidence for each persistent and session-scoped value.
 */
export function discoverIdentifiers(
  scenarios: AnalyzedScenario[],
  candidates: ReadonlyMap<string, FlowCandidates>,
  extraUrls: readonly string[],
): DiscoveredIdentifier[] {
  const hashedUrls = new Set<string>();
  const urls = new Set(extraUrls);
  for (const found of candidates.values()) for (const url of found.urls) urls.add(url);
  for (const scenario of scenarios) {
    for (const flow of scenario.flows) {
      for (const [name, value] of flow.flow.headers) if (name.toLowerCase() === 'referer') urls.add(value);
    }
  }
  for (const url of urls) urlHashes(url, hashedUrls);

  const byValue = new Map<string, Sighting[]>();
  const bySlot = new Map<string, Sighting[]>();
  for (const scenario of scenarios) {
    const relaunch = scenario.evidence.timeline.find((entry) => entry.action === 'relaunch')?.at;
    for (const flow of scenario.flows) {
      if (!isThirdParty(flow.destination)) continue;
      const found = candidates.get(`${scenario.evidence.scenario}\u0000${flow.flow.id}`);
      if (!found) continue;
      for (const leaf of found.leaves) {
        if (hashedUrls.has(leaf.text) || hashedUrls.has(leaf.text.toLowerCase())) continue;
        const sighting: Sighting = {
          scenario: scenario.evidence.scenario,
          flowId: flow.flow.id,
          host: flow.flow.host,
          path: leaf.path,
          afterRelaunch: relaunch === undefined ? null : flow.flow.startedAt >= relaunch,
          slot: slotOf(flow.flow.host, leaf.path),
          value: leaf.text,
        };
        push(byValue, leaf.text, sighting);
        push(bySlot, sighting.slot, sighting);
      }
    }
  }

  const discovered: DiscoveredIdentifier[] = [];
  const persistent = new Map<string, DiscoveredIdentifier>();
  for (const [value, sightings] of byValue) {
    const scenariosSeen = new Set(sightings.map((s) => s.scenario));
    if (scenariosSeen.size !== 1) continue; // the same in two fresh profiles: a constant, not an id
    const scenario = sightings[0]!.scenario;
    if (sightings[0]!.afterRelaunch === null) continue; // no relaunch: persistence cannot be told
    const before = sightings.some((s) => s.afterRelaunch === false);
    const after = sightings.some((s) => s.afterRelaunch === true);
    const slots = new Set(sightings.map((s) => s.slot));
    const others = [...slots].flatMap((slot) => (bySlot.get(slot) ?? []).filter((s) => s.value !== value));
    const strip = ({ scenario: sc, flowId, host, path, afterRelaunch }: Sighting): IdentifierSighting => ({
      scenario: sc,
      flowId,
      host,
      path,
      afterRelaunch,
    });
    const first = sightings[0]!;
    const slot = { host: first.host, path: first.path.replace(/\[\d+\]/g, '[]') };
    if (before && after) {
      const otherProfiles = others.filter((s) => s.scenario !== scenario);
      if (otherProfiles.length === 0) continue; // nothing to compare with: a fresh profile might have sent the same
      const identifier: DiscoveredIdentifier = {
        scope: 'persistent',
        value: redactValue(value),
        slot,
        scenario,
        sightings: sightings.map(strip),
        comparedWith: uniqueValues(otherProfiles),
        reasons: [
          `the same value before and after the relaunch of ${scenario} (${sightings.filter((s) => !s.afterRelaunch).length} flows before, ${sightings.filter((s) => s.afterRelaunch).length} after)`,
          `different at the same place in the fresh profiles of ${[...new Set(otherProfiles.map((s) => s.scenario))].sort().join(', ')}`,
          `${value.length} characters, ${charEntropy(value).toFixed(2)} bits per character; not a timestamp, version, URL or hash of a URL seen in the capture`,
        ],
      };
      discovered.push(identifier);
      persistent.set(value, identifier);
    } else {
      // One side of the relaunch only: session-scoped when the other side sent a different value at the same place.
      // Seen in one flow only it may be a per-event id (an insert id, a nonce): a session id repeats.
      if (new Set(sightings.map((s) => s.flowId)).size < 2) continue;
      const otherSide = others.filter((s) => s.scenario === scenario && s.afterRelaunch === !after);
      if (otherSide.length === 0) continue;
      discovered.push({
        scope: 'session',
        value: redactValue(value),
        slot,
        scenario,
        sightings: sightings.map(strip),
        comparedWith: uniqueValues(otherSide),
        reasons: [
          `changed on the relaunch of ${scenario}: seen only ${after ? 'after' : 'before'} it, another value at the same place ${after ? 'before' : 'after'}`,
        ],
      });
    }
  }
  if (persistent.size > 0) addFindings(scenarios, candidates, persistent);
  return discovered.sort(
    (a, b) =>
      cmp(a.scenario, b.scenario) ||
      cmp(a.scope, b.scope) ||
      cmp(a.slot.host, b.slot.host) ||
      cmp(a.slot.path, b.slot.path) ||
      cmp(a.value, b.value),
  );
}

function addFindings(
  scenarios: AnalyzedScenario[],
  candidates: ReadonlyMap<string, FlowCandidates>,
  persistent: ReadonlyMap<string, DiscoveredIdentifier>,
): void {
  for (const scenario of scenarios) {
    for (const flow of scenario.flows) {
      const found = candidates.get(`${scenario.evidence.scenario}\u0000${flow.flow.id}`);
      if (!found || !isThirdParty(flow.destination)) continue;
      let added = false;
      for (const leaf of found.leaves) {
        if (!persistent.has(leaf.text)) continue;
        if (flow.findings.some((finding) => finding.path === leaf.path && finding.role === 'identifier')) continue;
        flow.findings.push({
          id: '',
          flowId: flow.flow.id,
          scenario: scenario.evidence.scenario,
          phase: flow.phase,
          category: 'device-id.app-scoped',
          role: findingRole('device-id.app-scoped', leaf.key),
          detector: 'differential',
          detectorKind: 'differential',
          value: redactValue(leaf.text),
          path: leaf.path,
          transforms: [...leaf.path.matchAll(/\|([a-z0-9-]+)/g)].map((match) => match[1]!),
          destination: flow.destination,
          host: flow.flow.host,
          transport: flow.flow.scheme,
          protection: flow.protection.class,
        } satisfies Finding);
        added = true;
      }
      if (!added) continue;
      flow.findings.sort(compareFindingsInFlow);
      flow.findings.forEach((finding, index) => (finding.id = `${scenario.evidence.scenario}/${flow.flow.id}/${index + 1}`));
    }
  }
}

function uniqueValues(sightings: readonly Sighting[]): DiscoveredIdentifier['comparedWith'] {
  const seen = new Set<string>();
  const out: DiscoveredIdentifier['comparedWith'] = [];
  for (const s of sightings) {
    const key = `${s.scenario}\u0000${s.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ scenario: s.scenario, value: redactValue(s.value), afterRelaunch: s.afterRelaunch });
  }
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
