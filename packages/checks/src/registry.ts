import type { Analysis, CheckResult } from '@conformance/core';
import { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
import { runCheck, type CheckDefinition } from './define.js';
import { transportTlsEverywhere } from './transport-tls-everywhere.js';

/** Every check the harness knows, in report order. */
export const allChecks: readonly CheckDefinition[] = [consentNoThirdPartyBeforeChoice, transportTlsEverywhere];

export function runChecks(analysis: Analysis, checks: readonly CheckDefinition[] = allChecks): CheckResult[] {
  return checks.map((check) => runCheck(check, analysis));
}
