import {
  closestMatch,
  ConformanceError,
  ErrorCodes,
  itemStatuses,
  type Attestation,
  type CheckResult,
  type EvidenceRef,
  type Grade,
  type ItemResult,
  type ItemStatus,
  type Platform,
  type Severity,
  type SuiteItem,
  type SuiteResult,
} from '@conformance/core';
import type { LoadedSuite } from './suite-loader.js';

/** What an item's `applies` conditions are tested against. */
export interface ScoringContext {
  platform: Platform;
  sellsOrShares: boolean;
  /** The manifest's `webView` marker (native apps whose UI is a web view). */
  webView?: boolean | { context: string };
}

/** Whether the item's platform condition holds: a listed platform, or a marked web-view app of a platform under `webViews`. */
function platformApplies(applies: NonNullable<SuiteItem['applies']>, context: ScoringContext): boolean {
  if (!applies.platforms || applies.platforms.includes(context.platform)) return true;
  const webView = context.webView !== undefined && context.webView !== false;
  return webView && context.platform !== 'web' && (applies.webViews ?? []).includes(context.platform);
}

/** Grade bands: the lowest score (0–100) for each grade, best first. */
export const gradeBands: readonly (readonly [Grade, number])[] = [
  ['A', 90],
  ['B', 80],
  ['C', 70],
  ['D', 60],
  ['E', 50],
  ['F', 0],
];

/** The best grade a suite can get while an item of this severity fails. */
export const gradeCaps: Partial<Record<Severity, Grade>> = { critical: 'D', high: 'B' };

/** Below this share of its automated items decided, a suite gets no grade (too little was observed). */
export const MIN_GRADED_COVERAGE = 0.5;

const order = (grade: Grade) => gradeBands.findIndex(([g]) => g === grade);

/** The grade of a score, capped by the worst severity among the failed items. */
export function gradeFor(score: number, failedSeverities: readonly Severity[]): Grade {
  let grade = gradeBands.find(([, min]) => score >= min)![0];
  for (const severity of failedSeverities) {
    const cap = gradeCaps[severity];
    if (cap && order(cap) > order(grade)) grade = cap;
  }
  return grade;
}

/** Whether the item's `applies` conditions hold for this app. */
export function itemApplies(item: SuiteItem, context: ScoringContext): boolean {
  const { applies } = item;
  if (!applies) return true;
  if (!platformApplies(applies, context)) return false;
  if (applies.sellsOrShares !== undefined && applies.sellsOrShares !== context.sellsOrShares) return false;
  return true;
}

/**
 * The verdict of one item from its checks: it fails when one check fails and passes only
 * when every check passed or did not apply (at least one passed); inconclusive when a check
 * could not decide (or is unknown); not-run when a check was not run because its scenarios
 * were not requested (and none failed or was inconclusive); not-applicable when no check applied. Manual items are
 * `manual` until a person attests them, and then `attested-pass`/`attested-fail`, never observed.
 */
export function decideItem(
  item: SuiteItem,
  checks: ReadonlyMap<string, CheckResult>,
  context: ScoringContext,
  attestation?: Attestation,
): ItemResult {
  const base = {
    id: item.id,
    instrument: item.instrument,
    clause: item.clause,
    title: item.title,
    category: item.category,
    severity: item.severity,
    weight: item.weight,
    mode: item.mode,
  };
  if (!itemApplies(item, context)) {
    return { ...base, status: 'not-applicable', summary: describeApplies(item, context), checks: [], evidence: [] };
  }
  if (item.mode === 'manual') {
    if (!attestation) {
      return {
        ...base,
        status: 'manual',
        summary: 'needs a person to judge it (record the outcome with --attest)',
        checks: [],
        evidence: [],
      };
    }
    return {
      ...base,
      status: attestation.outcome === 'pass' ? 'attested-pass' : 'attested-fail',
      summary: `attested ${attestation.outcome} by ${attestation.name} on ${attestation.date}${attestation.note ? `: ${attestation.note}` : ''}`,
      checks: [],
      evidence: [],
      attestation: {
        outcome: attestation.outcome,
        name: attestation.name,
        date: attestation.date,
        ...(attestation.note ? { note: attestation.note } : {}),
      },
    };
  }
  const results = item.checks.map(
    (id): CheckResult =>
      checks.get(id) ?? { id, title: id, status: 'inconclusive', summary: 'the check was not run', evidence: [] },
  );
  const by = (status: CheckResult['status']) => results.filter((result) => result.status === status);
  let status: ItemStatus;
  let deciding: CheckResult[];
  if (by('fail').length > 0) [status, deciding] = ['fail', by('fail')];
  else if (by('inconclusive').length > 0) [status, deciding] = ['inconclusive', by('inconclusive')];
  else if (by('not-run').length > 0) [status, deciding] = ['not-run', by('not-run')];
  else if (by('pass').length > 0) [status, deciding] = ['pass', results];
  else [status, deciding] = ['not-applicable', results];
  const evidence: EvidenceRef[] = deciding.flatMap((result) => result.evidence);
  return {
    ...base,
    status,
    summary: deciding.map((result) => `${result.id}: ${result.summary}`).join(' | '),
    checks: results.map((result) => ({ id: result.id, status: result.status, summary: result.summary })),
    evidence,
  };
}

function describeApplies(item: SuiteItem, context: ScoringContext): string {
  const reasons: string[] = [];
  if (item.applies?.platforms && !platformApplies(item.applies, context)) {
    const webViews = item.applies.webViews?.length
      ? ` (and ${item.applies.webViews.join(', ')} apps marked webView)`
      : '';
    reasons.push(`applies to ${item.applies.platforms.join(', ')} apps${webViews}, this is a ${context.platform} app`);
  }
  if (item.applies?.sellsOrShares !== undefined && item.applies.sellsOrShares !== context.sellsOrShares) {
    reasons.push(`applies when sellsOrShares is ${item.applies.sellsOrShares}`);
  }
  return `not applicable: ${reasons.join('; ')}`;
}

/**
 * Scores one suite. `score`: the weighted share (0–100) of the decided automated items that
 * passed (attested and manual items never count). `coverage`: the share of the items that
 * apply which were decided by observation; `automatedCoverage` the same among automated
 * items. `grade`: A–F from the score (`gradeBands`), capped while a critical item fails (at
 * most D) or a high item fails (at most B); none when less than half of the automated items
 * that apply were decided, or none was.
 *
 * A partial run (`--scenarios`): `not-run` items are left out of the score and of both
 * coverage shares (they were not asked for, so they are neither a failure nor a gap of the
 * run), and the suite gets no grade while any of its automated items is `not-run`: a grade
 * speaks for the whole suite.
 */
export function scoreSuite(
  loaded: LoadedSuite,
  checks: readonly CheckResult[],
  context: ScoringContext,
  attestations: ReadonlyMap<string, Attestation> = new Map(),
): SuiteResult {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const items = loaded.suite.items.map((item) => decideItem(item, byId, context, attestations.get(item.id)));
  const counts = Object.fromEntries(itemStatuses.map((status) => [status, 0])) as Record<ItemStatus, number>;
  for (const item of items) counts[item.status]++;
  const applicable = items.filter((item) => item.status !== 'not-applicable' && item.status !== 'not-run');
  const partial = items.some((item) => item.status === 'not-run');
  const automated = applicable.filter((item) => item.mode === 'automated');
  const decided = automated.filter((item) => item.status === 'pass' || item.status === 'fail');
  const weight = (list: ItemResult[]) => list.reduce((sum, item) => sum + item.weight, 0);
  const score = decided.length === 0 ? null : round((100 * weight(decided.filter((i) => i.status === 'pass'))) / weight(decided));
  const coverage = applicable.length === 0 ? 1 : round(decided.length / applicable.length, 4);
  const automatedCoverage = automated.length === 0 ? 1 : round(decided.length / automated.length, 4);
  const failed = decided.filter((item) => item.status === 'fail').map((item) => item.severity);
  const grade = score === null || partial || automatedCoverage < MIN_GRADED_COVERAGE ? null : gradeFor(score, failed);
  return {
    id: loaded.suite.id,
    title: loaded.suite.title,
    source: loaded.file,
    score,
    grade,
    coverage,
    automatedCoverage,
    counts,
    items,
  };
}

/**
 * The attestations of a run, by item id, checked against the suites: every attested item
 * must be a manual item of one of them, attested once.
 */
export function indexAttestations(
  attestations: readonly Attestation[],
  suites: readonly LoadedSuite[],
  file: string,
): Map<string, Attestation> {
  const items = new Map(suites.flatMap(({ suite }) => suite.items.map((item) => [item.id, item] as const)));
  const problems: string[] = [];
  const index = new Map<string, Attestation>();
  attestations.forEach((attestation, position) => {
    const item = items.get(attestation.item);
    if (!item) {
      const suggestion = closestMatch(attestation.item, [...items.keys()]);
      problems.push(
        `attestations[${position}].item: no item "${attestation.item}" in the suites of this run${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      );
    } else if (item.mode !== 'manual') {
      problems.push(`attestations[${position}].item: "${attestation.item}" is automated; only manual items can be attested`);
    } else if (index.has(attestation.item))
      problems.push(`attestations[${position}].item: "${attestation.item}" is attested twice`);
    else index.set(attestation.item, attestation);
  });
  if (problems.length > 0) {
    throw new ConformanceError(
      ErrorCodes.ATTESTATION_INVALID,
      `The attestation file does not fit the suites:\n${problems.map((p) => `${file}: ${p}`).join('\n')}`,
      { hint: 'attest manual items of the suites given with --suite (conformance checklists lists them)' },
    );
  }
  return index;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
