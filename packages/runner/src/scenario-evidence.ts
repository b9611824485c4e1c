import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BundleFiles,
  encodeBundleFile,
  splitRecords,
  type AttemptedRequest,
  type BundleFileContent,
  type BundleJsonFile,
  type CaptureSummary,
  type DeviceSession,
  type ProxyRecord,
  type RequestInitiator,
  type ScenarioEvidence,
  type ScenarioName,
  type ScenarioRecord,
  type StorageSnapshot,
} from '@conformance/core';
import type { ScenarioRecorder } from './scenario-record.js';

/** What the device still held at the end of a scenario (absent where the scenario failed first). */
export interface DeviceLeftovers {
  initiators?: RequestInitiator[];
  attempted?: AttemptedRequest[];
  storage?: StorageSnapshot;
}

export interface ScenarioOutcome {
  name: ScenarioName;
  url: string;
  startedAt: number;
  observationMs: number;
  failure: unknown;
  capture: CaptureSummary | undefined;
  journal: { records: ProxyRecord[] };
  session: DeviceSession | undefined;
  gpc: boolean;
  timing?: ScenarioRecord['timing'];
  geolocation?: ScenarioRecord['geolocation'];
  errorData?: ScenarioRecord['error'];
}

export function scenarioJournalPath(dir: string): string {
  return join(dir, BundleFiles.flows);
}

export async function writeBundleFile<K extends BundleJsonFile>(
  dir: string,
  kind: K,
  value: BundleFileContent<K>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, BundleFiles[kind]), encodeBundleFile(kind, value));
}

/**
 * Writes a scenario's evidence folder through the bundle layout of core: the record, the
 * timeline and each device-side file, every one validated against its schema on the way out.
 * API events are written only where the session could record them: a missing `events.json`
 * says "not observed", an empty one "observed, none".
 */
export async function writeScenarioEvidence(
  dir: string,
  outcome: ScenarioOutcome,
  recorder: ScenarioRecorder,
  leftovers: DeviceLeftovers,
): Promise<ScenarioEvidence> {
  const { flows, tlsFailures } = splitRecords(outcome.journal.records);
  const { capture, session } = outcome;
  const instrumentation = session?.instrumentation;
  const record: ScenarioRecord = {
    scenario: outcome.name,
    status: outcome.failure ? 'error' : 'completed',
    startedAt: outcome.startedAt,
    endedAt: Date.now(),
    ...(outcome.errorData ? { error: outcome.errorData } : {}),
    observationMs: outcome.observationMs,
    ...(recorder.observed ? { observed: recorder.observed } : {}),
    ...(outcome.timing ? { timing: outcome.timing } : {}),
    url: outcome.url,
    timeline: recorder.timeline,
    capture: {
      ready: capture?.ready ?? false,
      journaled: capture?.journaled ?? outcome.journal.records.length,
      streamed: capture?.streamed ?? 0,
      missingFromStream: capture?.missingFromStream ?? [],
      ...(capture?.proxyExit ? { proxyExit: capture.proxyExit } : {}),
    },
    screenshots: recorder.screenshots,
    ...(recorder.dialog ? { dialog: recorder.dialog } : {}),
    ...(recorder.repromptedAfterRelaunch !== undefined ? { repromptedAfterRelaunch: recorder.repromptedAfterRelaunch } : {}),
    ...(recorder.policy ? { policy: recorder.policy } : {}),
    ...(recorder.tcf.length ? { tcf: [...recorder.tcf] } : {}),
    gpc: outcome.gpc,
    ...(session?.gpcSignal ? { gpcSignal: { ...session.gpcSignal } } : {}),
    ...(session ? { stealth: [...session.stealth] } : {}),
    ...(instrumentation ? { instrumentation: { ...instrumentation } } : {}),
    ...(outcome.geolocation ? { geolocation: outcome.geolocation } : {}),
  };
  const { timeline, ...withoutTimeline } = record;
  await writeBundleFile(dir, 'scenario', withoutTimeline);
  await writeBundleFile(dir, 'timeline', timeline);
  const events = instrumentation?.apiEvents ? recorder.events : undefined;
  if (events) await writeBundleFile(dir, 'events', events);
  if (leftovers.initiators) await writeBundleFile(dir, 'initiators', leftovers.initiators);
  if (leftovers.attempted) await writeBundleFile(dir, 'attempted', leftovers.attempted);
  if (leftovers.storage) await writeBundleFile(dir, 'storage', leftovers.storage);
  return {
    ...record,
    flows,
    tlsFailures,
    ...(events ? { events } : {}),
    ...(leftovers.initiators ? { initiators: leftovers.initiators } : {}),
    ...(leftovers.attempted ? { attempted: leftovers.attempted } : {}),
    ...(leftovers.storage ? { storage: leftovers.storage } : {}),
  };
}
