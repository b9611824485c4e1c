import type { AttemptedRequest, RequestInitiator } from '@conformance/core';

/** The fields of Network.requestWillBeSent this driver reads. */
interface RequestWillBeSent {
  requestId: string;
  request: { url: string; method: string; headers?: Record<string, string>; postData?: string; hasPostData?: boolean };
  wallTime: number;
  type?: string;
  initiator: {
    type: string;
    url?: string;
    stack?: { callFrames: { url: string }[]; parent?: { callFrames: { url: string }[] } };
  };
}

/** The fields of Network.loadingFailed this driver reads. */
interface LoadingFailed {
  requestId: string;
  errorText: string;
  canceled?: boolean;
  blockedReason?: string;
  corsErrorStatus?: { corsError: string };
  type?: string;
}

/**
 * Reads Chromium's performance log (DevTools Network events, as chromedriver records them
 * with `goog:loggingPrefs: { performance: 'ALL' }`): who started each request, and which
 * requests the browser stopped before they left it. Entries are consumed as they come;
 * the reader keeps what it learned across calls.
 */
export function createNetworkLog() {
  const initiators: RequestInitiator[] = [];
  const attempted: AttemptedRequest[] = [];
  const started = new Map<string, RequestWillBeSent>();
  return {
    initiators,
    attempted,
    /** Feeds raw log entries (`{ message: string }`, the JSON of `{ message: { method, params } }`). */
    add(entries: readonly { message: string }[]): void {
      for (const entry of entries) {
        let message: { method: string; params: unknown };
        try {
          message = (JSON.parse(entry.message) as { message: { method: string; params: unknown } }).message;
        } catch {
          continue;
        }
        if (message.method === 'Network.requestWillBeSent') {
          const params = message.params as RequestWillBeSent;
          if (!/^https?:/.test(params.request.url)) continue;
          started.set(params.requestId, params);
          initiators.push({
            url: params.request.url,
            method: params.request.method,
            at: Math.round(params.wallTime * 1000),
            type: params.initiator.type,
            script: scriptOf(params),
          });
        } else if (message.method === 'Network.loadingFailed') {
          const failed = message.params as LoadingFailed;
          const request = started.get(failed.requestId);
          if (!request || !wasStopped(failed)) continue;
          attempted.push({
            id: failed.requestId,
            at: Math.round(request.wallTime * 1000),
            method: request.request.method,
            url: request.request.url,
            headers: Object.entries(request.request.headers ?? {}),
            postData: request.request.postData ?? null,
            type: failed.type ?? request.type ?? 'Other',
            errorText: failed.errorText,
            ...(failed.blockedReason ? { blockedReason: failed.blockedReason } : {}),
            ...(failed.corsErrorStatus?.corsError ? { corsError: failed.corsErrorStatus.corsError } : {}),
            script: scriptOf(request),
          });
        }
      }
    },
  };
}

/**
 * A failure that means the browser (not the app) stopped the request: a blocking rule, a
 * CORS rule, or a network error. A plain cancellation (`net::ERR_ABORTED` with nothing
 * blocked: the page navigated away, or the app aborted it) is the app's own doing.
 */
function wasStopped(failed: LoadingFailed): boolean {
  if (failed.blockedReason || failed.corsErrorStatus) return true;
  return !failed.canceled && failed.errorText !== 'net::ERR_ABORTED';
}

function scriptOf(params: RequestWillBeSent): string | null {
  const { initiator } = params;
  const frames = [...(initiator.stack?.callFrames ?? []), ...(initiator.stack?.parent?.callFrames ?? [])];
  return frames.find((frame) => frame.url)?.url ?? initiator.url ?? null;
}
