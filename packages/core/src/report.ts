import type { ScenarioName } from './evidence.js';
import type { CheckResult, CheckStatus } from './verdict.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportScenario {
  name: ScenarioName;
  status: 'completed' | 'error';
  error?: { code: string; message: string; hint?: string };
  observationMs: number;
  flows: number;
  evidenceDir: string;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'conformance'; version: string };
  app: { name: string; platform: string; manifest: string };
  startedAt: string;
  finishedAt: string;
  device: string;
  scenarios: ReportScenario[];
  /** Hosts set aside as traffic of the platform itself (browser/OS), never counted against the app. */
  platformNoise: { hosts: string[]; flows: number };
  checks: CheckResult[];
  totals: Record<CheckStatus, number>;
}

export function countStatuses(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const totals: Record<CheckStatus, number> = { pass: 0, fail: 0, 'not-applicable': 0, inconclusive: 0 };
  for (const check of checks) totals[check.status]++;
  return totals;
}
