export { defineCheck, runCheck, type CheckContext, type CheckDefinition, type CheckOutcome } from './define.js';
export { allChecks, runChecks } from './registry.js';
export { consentNoThirdPartyBeforeChoice } from './consent-no-third-party-before-choice.js';
export { transportTlsEverywhere } from './transport-tls-everywhere.js';
