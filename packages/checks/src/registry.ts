import type { Analysis, CheckId, CheckResult } from '@conformance/core';
import { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
import { apiNoSensitiveReadsBeforeConsent } from './api-no-sensitive-reads-before-consent.js';
import { consentNoPretickedBoxes } from './consent-no-preticked-boxes.js';
import { consentNotRepromptedAfterRefusal } from './consent-not-reprompted-after-refusal.js';
import { consentPolicyWithin4Taps } from './consent-policy-within-4-taps.js';
import { consentRefusalRespected } from './consent-refusal-respected.js';
import { consentRejectOnFirstLayer } from './consent-reject-on-first-layer.js';
import { consentSignalMatchesChoice } from './consent-signal-matches-choice.js';
import { consentWithdrawalRespected } from './consent-withdrawal-respected.js';
import { runCheck, type CheckDefinition } from './define.js';
import { gpcHonoured } from './gpc-honoured.js';
import { permissionsNoneBeforeConsent } from './permissions-none-before-consent.js';
import { sdkAllDisclosed } from './sdk-all-disclosed.js';
import { transportTlsEverywhere } from './transport-tls-everywhere.js';
import { consentNoIdentifierBeforeChoice } from './consent-no-identifier-before-choice.js';
import { optionalLocationOffByDefault } from './optional-location-off-by-default.js';
import { optionalHardwareIdsOffByDefault } from './optional-hardware-ids-off-by-default.js';
import { optionalAppListOffByDefault } from './optional-app-list-off-by-default.js';
import { payloadNoCleartextPersonalData } from './payload-no-cleartext-personal-data.js';
import { payloadEncrypted } from './payload-encrypted.js';
import { collectionNoTimerDrivenBeacons } from './collection-no-timer-driven-beacons.js';
import { consentNoPersonalDataBeforeChoice } from './consent-no-personal-data-before-choice.js';
import { consentRejectAsEasyAsAccept } from './consent-reject-as-easy-as-accept.js';
import { consentNoticeDiscloses } from './consent-notice-discloses.js';
import { payloadPersonalDataEncrypted } from './payload-personal-data-encrypted.js';
import { sdkDisclosedInPolicy } from './sdk-disclosed-in-policy.js';

/** Every check the harness knows, in report order. */
export const allChecks: readonly CheckDefinition[] = [
  consentNoThirdPartyBeforeChoice,
  consentNoIdentifierBeforeChoice,
  consentNoPersonalDataBeforeChoice,
  consentRefusalRespected,
  consentWithdrawalRespected,
  consentRejectOnFirstLayer,
  consentRejectAsEasyAsAccept,
  consentNoPretickedBoxes,
  consentNotRepromptedAfterRefusal,
  consentPolicyWithin4Taps,
  consentNoticeDiscloses,
  consentSignalMatchesChoice,
  permissionsNoneBeforeConsent,
  apiNoSensitiveReadsBeforeConsent,
  optionalLocationOffByDefault,
  optionalHardwareIdsOffByDefault,
  optionalAppListOffByDefault,
  payloadNoCleartextPersonalData,
  payloadEncrypted,
  payloadPersonalDataEncrypted,
  transportTlsEverywhere,
  collectionNoTimerDrivenBeacons,
  sdkAllDisclosed,
  sdkDisclosedInPolicy,
  gpcHonoured,
];

/** The check with this id. */
export function checkById(id: CheckId): CheckDefinition | undefined {
  return allChecks.find((check) => check.id === id);
}

export function runChecks(analysis: Analysis, checks: readonly CheckDefinition[] = allChecks): CheckResult[] {
  return checks.map((check) => runCheck(check, analysis));
}
