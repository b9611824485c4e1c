import {
  checkIds,
  closestMatch,
  ConformanceError,
  ErrorCodes,
  itemStatuses,
  type CheckResult,
  type EvidenceRef,
  type ItemResult,
  type ItemStatus,
  type SuiteResult,
  type Waiver,
  type WaiverOutcome,
  type WaiversReport,
} from '@conformance/core';
import type { LoadedSuite } from './suite-loader.js';

/**
 * Every waiver must name an item of the suites of the run or a known check id; otherwise a
 * CONF_WAIVER_UNKNOWN names the file, the entry and the closest known id.
 */
export function assertWaiversKnown(waivers: readonly Waiver[], suites: readonly LoadedSuite[], file: string): void {
  const items = suites.flatMap(({ suite }) => suite.items.map((item) => item.id));
  const problems: string[] = [];
  waivers.forEach((waiver, index) => {
    if (waiver.item !== undefined && !items.includes(waiver.item)) {
      const suggestion = closestMatch(waiver.item, items);
      problems.push(
        `${file}: waivers[${index}].item: no item "${waiver.item}" in the suites of this run${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      );
    }
    if (waiver.check !== undefined && !(checkIds as readonly string[]).includes(waiver.check)) {
      const suggestion = closestMatch(waiver.check, checkIds);
      problems.push(
        `${file}: waivers[${index}].check: no check "${waiver.check}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      );
    }
  });
  if (problems.length > 0) {
    throw new ConformanceError(ErrorCodes.WAIVER_UNKNOWN, `The waiver file names what does not exist:\n${problems.join('\n')}`, {
      hint: 'name an item of the suites this run scores or a check id (conformance checklists lists both), or remove the entry',
    });
  }
}

/** Whether a waiver is still in force on `asOf` (YYYY-MM-DD): its expiry day is the last day it applies. */
export function waiverActive(waiver: Waiver, asOf: string): boolean {
  return waiver.expires >= asOf;
}

/**
 * Whether a host-limited waiver covers a failure: every flow the failure cites goes to the
 * waiver's host or a subdomain of it, and it cites at least one. A failure with no flow
 * evidence, or with a flow to another host, is not covered. No host: always covered.
 */
export function hostCovers(host: string | undefined, evidence: readonly EvidenceRef[]): boolean {
  if (host === undefined) return true;
  const wanted = host.toLowerCase().replace(/\.$/, '');
  const flows = evidence.filter((ref) => ref.kind === 'flow');
  if (flows.length === 0) return false;
  return flows.every((ref) => {
    const name = ref.host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    return name === wanted || name.endsWith(`.${wanted}`);
  });
}

export interface WaiverInput {
  checks: readonly CheckResult[];
  suites: readonly SuiteResult[];
  waivers: readonly Waiver[];
  /** The waiver file, for the report. */
  file: string;
  /** The day expiry is judged against, YYYY-MM-DD. */
  asOf: string;
}

export interface WaivedResults {
  suites: SuiteResult[];
  waivers: WaiversReport;
  /** The failed checks an active waiver accepted. */
  waivedChecks: ReadonlySet<string>;
}

/**
 * Applies the waivers of a run. A failed check is accepted by an active waiver naming it
 * (within its host); a failed item becomes `waived` when an active waiver names it (within
 * its host), or when every check that failed it was accepted. Only failures are waived:
 * what passed, was inconclusive, or was attested stays as it is. An expired waiver applies
 * to nothing. The score and grade stay those of the failure (a waiver changes the gate, not
 * what was observed); the counts move the item from fail to waived.
 */
export function applyWaivers(input: WaiverInput): WaivedResults {
  const outcomes: WaiverOutcome[] = input.waivers.map((waiver) => ({
    ...(waiver.item !== undefined ? { item: waiver.item } : {}),
    ...(waiver.check !== undefined ? { check: waiver.check } : {}),
    ...(waiver.host !== undefined ? { host: waiver.host } : {}),
    reason: waiver.reason,
    owner: waiver.owner,
    expires: waiver.expires,
    state: waiverActive(waiver, input.asOf) ? 'active' : 'expired',
    items: [],
    checks: [],
  }));
  const active = input.waivers
    .map((waiver, index) => ({ waiver, outcome: outcomes[index]! }))
    .filter(({ outcome }) => outcome.state === 'active');

  const checkWaiver = new Map<string, { waiver: Waiver; outcome: WaiverOutcome }>();
  for (const check of input.checks) {
    if (check.status !== 'fail') continue;
    const match = active.find(({ waiver }) => waiver.check === check.id && hostCovers(waiver.host, check.evidence));
    if (!match) continue;
    checkWaiver.set(check.id, match);
    match.outcome.checks.push(check.id);
  }

  const suites = input.suites.map((suite): SuiteResult => {
    const items = suite.items.map((item): ItemResult => {
      if (item.status !== 'fail') return item;
      const byItem = active.find(({ waiver }) => waiver.item === item.id && hostCovers(waiver.host, item.evidence));
      const failing = item.checks.filter((check) => check.status === 'fail');
      const byChecks =
        failing.length > 0 && failing.every((check) => checkWaiver.has(check.id)) ? checkWaiver.get(failing[0]!.id) : undefined;
      const match = byItem ?? byChecks;
      if (!match) return item;
      match.outcome.items.push(item.id);
      const { waiver } = match;
      return {
        ...item,
        status: 'waived',
        summary: `waived until ${waiver.expires} (${waiver.owner}: ${waiver.reason}); failed: ${item.summary}`,
        waiver: {
          names: waiver.item ?? waiver.check!,
          ...(waiver.host !== undefined ? { host: waiver.host } : {}),
          reason: waiver.reason,
          owner: waiver.owner,
          expires: waiver.expires,
        },
      };
    });
    const counts = Object.fromEntries(itemStatuses.map((status) => [status, 0])) as Record<ItemStatus, number>;
    for (const item of items) counts[item.status] = (counts[item.status] ?? 0) + 1;
    return { ...suite, counts, items };
  });

  return {
    suites,
    waivers: { file: input.file, asOf: input.asOf, entries: outcomes },
    waivedChecks: new Set(checkWaiver.keys()),
  };
}
