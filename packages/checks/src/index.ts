export { defineCheck, runCheck, type CheckContext, type CheckDefinition, type CheckOutcome } from './define.js';
export { allChecks, runChecks } from './registry.js';
export { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
export { transportTlsEverywhere } from './transport-tls-everywhere.js';
export { consentNoIdentifierBeforeChoice } from './consent-no-identifier-before-choice.js';
export { optionalLocationOffByDefault } from './optional-location-off-by-default.js';
export { optionalHardwareIdsOffByDefault } from './optional-hardware-ids-off-by-default.js';
export { optionalAppListOffByDefault } from './optional-app-list-off-by-default.js';
export { defineOptionalOffCheck } from './optional-off-by-default.js';
export { payloadNoCleartextPersonalData } from './payload-no-cleartext-personal-data.js';
export { payloadEncrypted } from './payload-encrypted.js';
export { collectionNoTimerDrivenBeacons, findPeriodic } from './collection-no-timer-driven-beacons.js';
export {
  personalDataFindings,
  personalDataEvidence,
  describeFindings,
  type FlowWithFindings,
  type PersonalDataQuery,
} from './personal-data.js';
export { allPlatforms } from './define.js';
export { checkById } from './registry.js';
export { consentNoPersonalDataBeforeChoice } from './consent-no-personal-data-before-choice.js';
export { payloadPersonalDataEncrypted } from './payload-personal-data-encrypted.js';
export {
  consentRejectAsEasyAsAccept,
  defineRejectAsEasyAsAcceptCheck,
  defaultRejectProminence,
  compareProminence,
  type RejectProminenceOptions,
} from './consent-reject-as-easy-as-accept.js';
export { consentNoticeDiscloses, findNoticeTopics, noticeTopics } from './consent-notice-discloses.js';
export { sdkDisclosedInPolicy } from './sdk-disclosed-in-policy.js';
export {
  parseSuite,
  loadSuites,
  parseAttestationFile,
  parseWaiverFile,
  type LoadedSuite,
  type SuiteSource,
} from './suite-loader.js';
export { applyWaivers, assertWaiversKnown, hostCovers, waiverActive, type WaiverInput, type WaivedResults } from './waivers.js';
export {
  scoreSuite,
  decideItem,
  itemApplies,
  gradeFor,
  gradeBands,
  gradeCaps,
  indexAttestations,
  MIN_GRADED_COVERAGE,
  type ScoringContext,
} from './scoring.js';
