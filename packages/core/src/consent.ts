import { ConformanceError, ErrorCodes } from './errors.js';
import type { ConsentLocation } from './ports.js';

/** How many candidates the error lists. */
const LISTED = 10;

/**
 * The error a scenario ends in when no consent dialog was found with confidence and the
 * manifest names none: it lists what was seen, so a person can write the selectors.
 */
export function consentNotFound(location: ConsentLocation, url: string): ConformanceError {
  const listed = location.candidates.slice(0, LISTED);
  const lines = listed.map(
    (candidate) => `  ${candidate.role} ${candidate.score.toFixed(2)} ${candidate.selector} "${candidate.text}"`,
  );
  return new ConformanceError(
    ErrorCodes.CONSENT_NOT_FOUND,
    `no consent dialog was found with confidence on ${url}${location.cmp ? ` (the ${location.cmp} rule recognised the platform but found no dialog)` : ''}; ` +
      (listed.length ? `candidates (role, score, selector, text):\n${lines.join('\n')}` : 'no candidate control was visible'),
    {
      hint: 'add a consent block to the app manifest (dialog, accept, reject selectors; docs/MANIFEST.md)',
    },
  );
}
