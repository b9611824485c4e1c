/**
 * The id of every check the harness has: the words suites cite and reports use. A check's
 * `id` is a `CheckId`, so a misspelt id fails to compile, and a suite that cites an id not in
 * this list fails to load (with the closest id suggested).
 */
export const checkIds = [
  'consent.no-third-party-before-choice',
  'consent.no-identifier-before-choice',
  'consent.no-personal-data-before-choice',
  'consent.refusal-respected',
  'consent.withdrawal-respected',
  'consent.reject-on-first-layer',
  'consent.reject-as-easy-as-accept',
  'consent.no-preticked-boxes',
  'consent.not-reprompted-after-refusal',
  'consent.policy-within-4-taps',
  'consent.notice-discloses',
  'consent.signal-matches-choice',
  'permissions.none-before-consent',
  'api.no-sensitive-reads-before-consent',
  'optional.location-off-by-default',
  'optional.hardware-ids-off-by-default',
  'optional.app-list-off-by-default',
  'payload.no-cleartext-personal-data',
  'payload.encrypted',
  'payload.personal-data-encrypted',
  'transport.tls-everywhere',
  'collection.no-timer-driven-beacons',
  'sdk.all-disclosed',
  'sdk.disclosed-in-policy',
  'gpc.honoured',
] as const;
export type CheckId = (typeof checkIds)[number];

export function isCheckId(value: string): value is CheckId {
  return (checkIds as readonly string[]).includes(value);
}

/** How much a failure matters: checks declare a default, suite items set their own. */
export const severities = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];
