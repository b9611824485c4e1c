import { defineCheck } from './define.js';
import { noEventsBeforeChoice } from './api-events.js';

/** Permission-guarded data and reads of device-fingerprinting APIs. */
const SENSITIVE_PERMISSIONS = new Set(['geolocation', 'clipboard-read', 'camera-microphone']);

/** No code reads location, the clipboard or fingerprinting surfaces before the user has chosen. */
export const apiNoSensitiveReadsBeforeConsent = defineCheck({
  id: 'api.no-sensitive-reads-before-consent',
  title: 'No sensitive API is read before consent',
  severity: 'high',
  platforms: ['web'],
  scenarios: ['idle', 'accept'],
  evaluate: (context) =>
    noEventsBeforeChoice(
      context,
      (event) => event.kind === 'sensitive-api' || SENSITIVE_PERMISSIONS.has(event.api),
      'sensitive API read(s)',
    ),
});
