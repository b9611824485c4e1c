import type { Analysis, CheckResult } from '@conformance/core';
import { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
import { runCheck, type CheckDefinition } from './define.js';
import { transportTlsEverywhere } from './transport-tls-everywhere.js';
import { consentNoIdentifierBeforeChoice } from './consent-no-identifier-before-choice.js';
import { optionalLocationOffByDefault } from './optional-location-off-by-default.js';
import { optionalHardwareIdsOffByDefault } from './optional-hardware-ids-off-by-default.js';
import { optionalAppListOffByDefault } from './optional-app-list-off-by-default.js';
import { payloadNoCleartextPersonalData } from './payload-no-cleartext-personal-data.js';
import { payloadEncrypted } from './payload-encrypted.js';
import { collectionNoTimerDrivenBeacons } from './collection-no-timer-driven-beacons.js';

/** Every check the harness knows, in report order. */
export const allChecks: readonly CheckDefinition[] = [
  consentNoThirdPartyBeforeChoice,
  transportTlsEverywhere,
  consentNoIdentifierBeforeChoice,
  optionalLocationOffByDefault,
  optionalHardwareIdsOffByDefault,
  optionalAppListOffByDefault,
  payloadNoCleartextPersonalData,
  payloadEncrypted,
  collectionNoTimerDrivenBeacons,
];

export function runChecks(analysis: Analysis, checks: readonly CheckDefinition[] = allChecks): CheckResult[] {
  return checks.map((check) => runCheck(check, analysis));
}
