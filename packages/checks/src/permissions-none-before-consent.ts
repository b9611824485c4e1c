import { defineCheck } from './define.js';
import { noEventsBeforeChoice } from './api-events.js';

/** The app asks for no permission (location, notifications, camera, clipboard …) before the user has chosen. */
export const permissionsNoneBeforeConsent = defineCheck({
  id: 'permissions.none-before-consent',
  title: 'No permission is requested before consent',
  severity: 'high',
  platforms: ['web'],
  scenarios: ['idle', 'accept'],
  evaluate: (context) => noEventsBeforeChoice(context, (event) => event.kind === 'permission', 'permission request(s)'),
});
