import type { AttemptedRequest, FlowRecord } from './evidence.js';

/** Why the browser stopped an attempted request, in words, and what it means for the verdicts. */
export function describeAttempt(attempt: Pick<AttemptedRequest, 'blockedReason' | 'corsError' | 'errorText'>): {
  reason: string;
  note: string;
} {
  const rule = attempt.blockedReason
    ? `the browser's ${attempt.blockedReason} rule`
    : attempt.corsError
      ? `the browser's CORS rule (${attempt.corsError})`
      : `a browser error (${attempt.errorText})`;
  const reason = attempt.blockedReason ?? (attempt.corsError ? `cors:${attempt.corsError}` : attempt.errorText);
  const would =
    attempt.blockedReason === 'mixed-content'
      ? 'a WebView or native app that allows cleartext would send it'
      : 'the app tried to send it, and another client or configuration would let it through';
  return { reason, note: `blocked by ${rule}; ${would}` };
}

/**
 * The attempts that never reached the proxy. An attempt whose method and URL match a flow
 * of the journal did reach it (the browser failed it afterwards, e.g. on the answer's CORS
 * headers): each journal flow accounts for at most one attempt, so nothing is counted twice.
 */
export function unseenAttempts(attempts: readonly AttemptedRequest[], flows: readonly FlowRecord[]): AttemptedRequest[] {
  const seen = new Map<string, number>();
  for (const flow of flows) {
    const key = `${flow.method} ${flow.url}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return attempts.filter((attempt) => {
    const key = `${attempt.method} ${attempt.url}`;
    const left = seen.get(key) ?? 0;
    if (left === 0) return true;
    seen.set(key, left - 1);
    return false;
  });
}
