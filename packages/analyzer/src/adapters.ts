import { adapterForRequest, adapters as trackharAdapters, processRequest, type Request } from 'trackhar';
import { dataCategories, type DataCategory, type FlowRecord } from '@conformance/core';
import sdkData from './data/sdk-adapters.json' with { type: 'json' };
import trackharProperties from './data/trackhar-properties.json' with { type: 'json' };
import { bodyBytes, header, type Leaf } from './decode.js';
import type { Detection } from './detectors.js';

/**
 * Tracker-specific decoders. Two sources, one output (detections with a category):
 * - trackhar (npm, CC0): adapters for ~120 Western ad/analytics endpoints;
 * - our own field-level adapters for SDKs common in Chinese apps (`data/sdk-adapters.json`).
 */

interface SdkAdapter {
  id: string;
  name: string;
  organization: string;
  hosts: string[];
  fields: Record<string, DataCategory>;
}

/** Data files are checked when loaded: a category outside the vocabulary is a bug, not a finding. */
function category(value: string, where: string): DataCategory {
  if (!(dataCategories as readonly string[]).includes(value)) throw new Error(`${where}: unknown data category ${value}`);
  return value as DataCategory;
}

const sdkAdapters = (sdkData.adapters as unknown as SdkAdapter[]).map((adapter) => ({
  ...adapter,
  fieldMap: new Map(
    Object.entries(adapter.fields).map(([key, value]) => [
      compact(key),
      category(value, `sdk-adapters.json ${adapter.id}.${key}`),
    ]),
  ),
}));

function compact(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9$]/g, '');
}

function hostIn(host: string, domains: readonly string[]): boolean {
  const lower = host.toLowerCase();
  return domains.some((domain) => lower === domain || lower.endsWith(`.${domain}`));
}

/** An unfilled macro or an empty placeholder is not data. */
function isPlaceholder(text: string): boolean {
  return /^(|0|-1|null|undefined|unknown|none|__[A-Z0-9_]+__|\{[A-Z0-9_]+\}|0{8}-0{4}-0{4}-0{4}-0{12}|02:00:00:00:00:00)$/i.test(
    text.trim(),
  );
}

/**
 * A bounded memo for lookups that depend on a host or URL only: a capture talks to few hosts,
 * so most flows find their answer here instead of testing every domain or pattern again.
 */
function memo<T>(compute: (key: string) => T, limit = 1000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (cache.has(key)) return cache.get(key)!;
    const value = compute(key);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}

const sdkAdapterFor = memo((host) => sdkAdapters.find((candidate) => hostIn(host, candidate.hosts)) ?? null);

/** Field-level detections from our own SDK adapters, for a flow to one of their hosts. */
export function detectSdkFields(host: string, leaves: readonly Leaf[]): Detection[] {
  const adapter = sdkAdapterFor(host);
  if (!adapter) return [];
  const found: Detection[] = [];
  for (const leaf of leaves) {
    const category = adapter.fieldMap.get(compact(leaf.key));
    if (category && !isPlaceholder(leaf.text) && !/\[\d+\]$/.test(leaf.path)) {
      found.push({ leaf, category, detector: `adapter:${adapter.id}`, value: leaf.text });
    }
  }
  return found;
}

/** Hosts trackhar has adapters for, so a request to any other host skips it cheaply. */
const trackharHosts = new Set<string>();
const trackharPatterns: RegExp[] = [];
for (const adapter of trackharAdapters) {
  for (const endpoint of adapter.endpointUrls as Array<string | RegExp>) {
    if (typeof endpoint === 'string') {
      try {
        trackharHosts.add(new URL(endpoint).hostname);
      } catch {
        // not a URL: never matches
      }
    } else trackharPatterns.push(endpoint);
  }
}
const trackharCategories = new Map(
  Object.entries(trackharProperties)
    .filter(([property]) => !property.startsWith('$'))
    .map(([property, value]) => [property, category(value, `trackhar-properties.json ${property}`)]),
);

/** Whether some trackhar endpoint pattern matches a URL without its query (the patterns are not global, so the answer is stable). */
const trackharPatternFor = memo((endpointUrl) => trackharPatterns.some((pattern) => pattern.test(endpointUrl)));

/** Detections from trackhar's adapter for this request, if it has one. */
export function detectTrackhar(flow: FlowRecord): Detection[] {
  const queryAt = flow.url.indexOf('?');
  const endpointUrl = queryAt < 0 ? flow.url : flow.url.slice(0, queryAt);
  if (!trackharHosts.has(flow.host) && !trackharPatternFor(endpointUrl)) return [];
  const bytes = bodyBytes(flow.body);
  const request: Request = {
    startTime: new Date(flow.startedAt),
    method: flow.method,
    host: flow.host,
    path: flow.path,
    endpointUrl,
    ...(bytes.length > 0 ? { content: bytes.toString(header(flow, 'content-encoding') ? 'base64' : 'utf8') } : {}),
    port: String(flow.port),
    scheme: flow.scheme,
    httpVersion: flow.httpVersion,
    headers: flow.headers.map(([name, value]) => ({ name, value })),
  };
  let adapter;
  try {
    adapter = adapterForRequest(request);
  } catch {
    return [];
  }
  if (!adapter) return [];
  let result;
  try {
    result = processRequest(request);
  } catch {
    return [];
  }
  const found: Detection[] = [];
  for (const entry of result ?? []) {
    const mapped = trackharCategories.get(String(entry.property));
    if (!mapped) continue;
    const value = String(entry.value ?? '');
    if (isPlaceholder(value)) continue;
    const path = `${entry.context}.${String(entry.path).replace(/^\$\.?/, '')}`;
    found.push({
      leaf: { path, key: String(entry.property), text: value },
      category: mapped,
      detector: `adapter:trackhar/${entry.adapter}`,
      value,
    });
  }
  return found;
}
