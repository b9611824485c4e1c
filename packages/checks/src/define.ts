import {
  isWebViewApp,
  platforms,
  type Analysis,
  type AnalyzedScenario,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type EvidenceRef,
  type Platform,
  type ScenarioName,
  type Severity,
} from '@conformance/core';

/** Every platform: for checks that read only what every driver records (flows, timeline, dialog facts). */
export const allPlatforms: readonly Platform[] = platforms;

export interface CheckDefinition {
  /** Stable dotted id, e.g. `consent.no-third-party-before-choice`; one of `checkIds` in core. */
  id: CheckId;
  title: string;
  /** How much a failure matters when a suite item does not say otherwise. */
  severity: Severity;
  /**
   * The platforms whose evidence can decide the check (e.g. in-page instrumentation exists on
   * the web only). On another platform the check is inconclusive, never passed.
   */
  platforms: readonly Platform[];
  /** Also judges native apps of these platforms whose manifest marks their UI as a web view (`webView`). */
  webViews?: readonly Platform[];
  /** Scenarios whose evidence the check needs; if one is missing, failed or blind, the check cannot pass. */
  scenarios: readonly ScenarioName[];
  evaluate(context: CheckContext): CheckOutcome;
}

export interface CheckOutcome {
  /**
   * `inconclusive` from a check itself: what it needs was not observable (e.g. the app offered
   * no way to refuse), or it was observed but cannot be decided (e.g. a payload neither
   * readable nor ciphertext-like). It never turns into a pass.
   */
  status: CheckStatus;
  summary: string;
  evidence: EvidenceRef[];
}

export interface CheckContext {
  analysis: Analysis;
  /**
   * The scenarios this check depends on that were run, including those that ended in an
   * error or whose capture was blind: whatever they did observe still counts as a failure.
   */
  scenarios: AnalyzedScenario[];
}

export function defineCheck(definition: CheckDefinition): CheckDefinition {
  return definition;
}

/**
 * Runs one check honestly: a failure that was observed stands even when other
 * evidence is missing, but a pass or not-applicable needs every scenario it
 * depends on to have completed with a working capture; otherwise the verdict is
 * `inconclusive` and says which scenario was missing and why. When the only gap is
 * a scenario that was not requested for this run (`--scenarios`), the verdict is
 * `not-run`: listed, never passed, and not a failure of the run.
 */
export function runCheck(check: CheckDefinition, analysis: Analysis): CheckResult {
  const platform = analysis.manifest.platform;
  const inWebView = isWebViewApp(analysis.manifest) && (check.webViews ?? []).includes(platform);
  if (!check.platforms.includes(platform) && !inWebView) {
    return {
      id: check.id,
      title: check.title,
      status: 'inconclusive',
      summary: `this check cannot judge ${platform} apps: the evidence it reads is recorded on ${check.platforms.join(', ')} only`,
      evidence: [],
    };
  }
  const gaps: EvidenceRef[] = [];
  const notRequested: EvidenceRef[] = [];
  /** Each not-run scenario with why, for the summary. */
  const notRunWhy: string[] = [];
  const scenarios: AnalyzedScenario[] = [];
  for (const name of check.scenarios) {
    const scenario = analysis.scenarios.find((candidate) => candidate.evidence.scenario === name);
    const requested = analysis.requestedScenarios === undefined || analysis.requestedScenarios.includes(name);
    if (!scenario && !requested) {
      const leftOut = analysis.leftOutScenarios?.find((entry) => entry.scenario === name);
      notRequested.push({
        kind: 'scenario',
        scenario: name,
        status: 'not-run',
        detail: leftOut ? `left out of this run: ${leftOut.reason}` : 'the scenario was not requested for this run (--scenarios)',
      });
      notRunWhy.push(leftOut ? `${name}, left out of this run: ${leftOut.reason}` : `${name}, not requested for this run`);
    } else if (!scenario) {
      gaps.push({
        kind: 'scenario',
        scenario: name,
        status: 'missing',
        detail:
          analysis.requestedScenarios === undefined
            ? 'the scenario is not in the evidence'
            : 'the scenario was requested but left no evidence (the run stopped before it)',
      });
    } else if (scenario.evidence.status !== 'completed') {
      const error = scenario.evidence.error;
      gaps.push({
        kind: 'scenario',
        scenario: name,
        status: 'error',
        detail: error ? `${error.code}: ${error.message}` : 'the scenario did not complete',
      });
    } else if (!scenario.captureLive) {
      gaps.push({
        kind: 'scenario',
        scenario: name,
        status: 'blind',
        detail: 'the proxy never saw the app load its entry page, so absence of traffic proves nothing',
      });
    }
    if (scenario) scenarios.push(scenario);
  }
  const outcome = withTruncation(check.evaluate({ analysis, scenarios }), scenarios);
  const base = { id: check.id, title: check.title };
  if (outcome.status === 'fail' || (gaps.length === 0 && notRequested.length === 0)) return { ...base, ...outcome };
  if (gaps.length === 0) {
    return {
      ...base,
      status: 'not-run',
      summary: `Not run: it needs ${notRunWhy.join('; ')}. Observed so far: ${outcome.summary}`,
      evidence: [...notRequested, ...outcome.evidence],
    };
  }
  return {
    ...base,
    status: 'inconclusive',
    summary: `Could not be decided (${[...gaps, ...notRequested].map(describeGap).join('; ')}). Observed so far: ${outcome.summary}`,
    evidence: [...gaps, ...notRequested, ...outcome.evidence],
  };
}

/**
 * A check whose scenarios hold bodies stored cut at the evidence cap (`--max-body`,
 * `--max-evidence`) says so: a note per cut flow, with its stored and full length, and a
 * line in the summary. What lay past the cut was never analysed.
 */
function withTruncation(outcome: CheckOutcome, scenarios: readonly AnalyzedScenario[]): CheckOutcome {
  const cut = scenarios.flatMap((scenario) => scenario.flows.filter((flow) => flow.flow.body.truncated));
  if (cut.length === 0) return outcome;
  const notes: EvidenceRef[] = cut.map((flow) => ({
    kind: 'note',
    detail: `${flow.scenario}: the body of ${flow.flow.method} ${flow.flow.url} (flow ${flow.flow.id}) was stored cut at ${flow.flow.body.size} of ${flow.flow.body.truncated!.size} bytes (full body sha256 ${flow.flow.body.truncated!.sha256}); the rest was not analysed`,
  }));
  return {
    ...outcome,
    summary: `${outcome.summary} (${cut.length} body/bodies cut at the evidence cap: not analysed past the cut)`,
    evidence: [...outcome.evidence, ...notes],
  };
}

function describeGap(gap: EvidenceRef): string {
  return gap.kind === 'scenario' ? `${gap.scenario}: ${gap.status}` : gap.kind;
}
