import { createHash, randomUUID } from 'node:crypto';
import {
  appManifestSchema,
  type AppManifest,
  type AppManifestInput,
  type FlowRecord,
  type ScenarioEvidence,
  type ScenarioName,
  type TimelineEntry,
} from '@conformance/core';

/** A valid manifest, with any field overridden. */
export function makeManifest(overrides: Partial<AppManifestInput> = {}): AppManifest {
  return appManifestSchema.parse({
    name: 'sample-app',
    build: { dist: 'dist' },
    firstParty: ['app.example.test'],
    sdks: [{ name: 'Vendor Analytics', hosts: ['collect.vendor.test'] }],
    consent: { dialog: '#consent', accept: '#accept', reject: '#reject' },
    ...overrides,
  });
}

export const T0 = 1_800_000_000_000;

/** A flow record as the addon writes it. `at` is milliseconds after T0. */
export function makeFlow(url: string, at: number, overrides: Partial<FlowRecord> = {}): FlowRecord {
  const parsed = new URL(url);
  const body = overrides.body?.data ?? '';
  return {
    type: 'flow',
    v: 1,
    id: randomUUID(),
    startedAt: T0 + at,
    completedAt: T0 + at + 1,
    client: '127.0.0.1:50000',
    method: 'GET',
    scheme: parsed.protocol === 'http:' ? 'http' : 'https',
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === 'http:' ? 80 : 443)),
    path: `${parsed.pathname}${parsed.search}`,
    url,
    httpVersion: 'HTTP/1.1',
    headers: [],
    body: {
      size: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
      encoding: 'utf8',
      data: body,
    },
    tls: parsed.protocol === 'https:' ? { sni: parsed.hostname, version: 'TLSv1.3' } : null,
    answer: 'sinkhole',
    ...overrides,
  };
}

/** A timeline entry `at` milliseconds after T0. */
export function mark(action: TimelineEntry['action'], at: number, extra: Partial<TimelineEntry> = {}): TimelineEntry {
  return { action, at: T0 + at, done: T0 + at + 50, ...extra };
}

/**
 * One scenario's evidence. By default the capture is live: the proxy was ready and the
 * app's entry page (https://app.example.test/index.html) was loaded right after launch.
 */
export function makeScenario(
  scenario: ScenarioName,
  flows: FlowRecord[],
  timeline: TimelineEntry[] = [mark('launch', 0)],
  overrides: Partial<ScenarioEvidence> = {},
): ScenarioEvidence {
  return {
    scenario,
    status: 'completed',
    startedAt: T0 - 1000,
    endedAt: T0 + 60_000,
    observationMs: 8000,
    url: 'https://app.example.test/index.html',
    timeline,
    capture: { ready: true, journaled: flows.length + 1, streamed: flows.length + 1, missingFromStream: [] },
    screenshots: [],
    flows: [makeFlow('https://app.example.test/index.html', 10, { answer: 'local' }), ...flows],
    tlsFailures: [],
    ...overrides,
  };
}
