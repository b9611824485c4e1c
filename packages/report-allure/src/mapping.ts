import type { ItemResult, Severity } from '@conformance/core';

/** Allure's statuses and severities, as allure-js-commons spells them. */
export type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';
export type AllureSeverity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

/**
 * How an item's status shows in Allure. Only an observed or attested pass is `passed`; a
 * verdict nobody could reach is `broken` (the run could not observe it, which needs action),
 * and an item that was not judged is `skipped` with the reason:
 *
 * | item status      | Allure   | reason shown                      |
 * | ---------------- | -------- | --------------------------------- |
 * | pass             | passed   |                                   |
 * | fail             | failed   |                                   |
 * | attested-pass    | passed   | label `attested`                  |
 * | attested-fail    | failed   | label `attested`                  |
 * | inconclusive     | broken   | "inconclusive: …"                 |
 * | manual           | skipped  | "manual attestation"              |
 * | not-applicable   | skipped  | "not applicable: …"               |
 * | not-run          | skipped  | "not run: …"                      |
 * | waived           | skipped  | "waived: …" (never passed)        |
 * | any other status | broken   | "status <name>: …"                |
 */
export function allureStatusOf(status: ItemResult['status'] | string): {
  status: AllureStatus;
  reason?: string;
  attested: boolean;
} {
  switch (status) {
    case 'pass':
      return { status: 'passed', attested: false };
    case 'fail':
      return { status: 'failed', attested: false };
    case 'attested-pass':
      return { status: 'passed', attested: true };
    case 'attested-fail':
      return { status: 'failed', attested: true };
    case 'inconclusive':
      return { status: 'broken', reason: 'inconclusive', attested: false };
    case 'manual':
      return { status: 'skipped', reason: 'manual attestation', attested: false };
    case 'not-applicable':
      return { status: 'skipped', reason: 'not applicable', attested: false };
    case 'not-run':
      return { status: 'skipped', reason: 'not run', attested: false };
    case 'waived':
      return { status: 'skipped', reason: 'waived', attested: false };
    default:
      return { status: 'broken', reason: `status ${status}`, attested: false };
  }
}

/**
 * Item severity → Allure severity: critical → critical, high → critical, medium → normal,
 * low → minor. `high` maps to `critical` because a failed high item caps a suite's grade (at
 * most B), as Allure's critical marks what blocks a release; `blocker` and `trivial` are unused.
 */
export const allureSeverity: Record<Severity, AllureSeverity> = {
  critical: 'critical',
  high: 'critical',
  medium: 'normal',
  low: 'minor',
};

export function allureSeverityOf(severity: string): AllureSeverity {
  return (allureSeverity as Record<string, AllureSeverity>)[severity] ?? 'normal';
}

/** The area of a check id: `consent.refusal-respected` → `consent`. */
export function checkArea(checkId: string): string {
  const dot = checkId.indexOf('.');
  return dot < 0 ? checkId : checkId.slice(0, dot);
}

/** The feature label of an item: the suite's category, else the area of its first check, else `manual`. */
export function featureOf(item: Pick<ItemResult, 'category' | 'checks' | 'mode'>): string {
  if (item.category) return item.category;
  const first = item.checks[0];
  if (first) return checkArea(first.id);
  return item.mode === 'manual' ? 'manual' : 'other';
}
