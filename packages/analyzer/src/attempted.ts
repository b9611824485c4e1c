import { createHash } from 'node:crypto';
import { describeAttempt, unseenAttempts, type AttemptedRequest, type FlowRecord } from '@conformance/core';

/**
 * The journal's flows plus one flow per attempted request that never reached the proxy,
 * in start order. An attempted flow is marked `attempted` (why it was stopped, and what that
 * means), has no TLS facts and no answer; the checks count it as sent.
 */
export function attemptedFlows(attempts: readonly AttemptedRequest[], journaled: readonly FlowRecord[]): FlowRecord[] {
  const extra = unseenAttempts(attempts, journaled).flatMap((attempt) => {
    const flow = toFlow(attempt);
    return flow ? [flow] : [];
  });
  if (extra.length === 0) return [...journaled];
  return [...journaled, ...extra].sort((a, b) => a.startedAt - b.startedAt);
}

function toFlow(attempt: AttemptedRequest): FlowRecord | undefined {
  let url: URL;
  try {
    url = new URL(attempt.url);
  } catch {
    return undefined;
  }
  const scheme = url.protocol === 'http:' ? 'http' : url.protocol === 'https:' ? 'https' : undefined;
  if (!scheme) return undefined;
  const bytes = Buffer.from(attempt.postData ?? '', 'utf8');
  return {
    type: 'flow',
    v: 1,
    id: `attempted-${attempt.id}`,
    startedAt: attempt.at,
    completedAt: attempt.at,
    client: null,
    method: attempt.method,
    scheme,
    host: url.hostname,
    port: url.port ? Number(url.port) : scheme === 'https' ? 443 : 80,
    path: `${url.pathname}${url.search}`,
    url: attempt.url,
    httpVersion: 'HTTP/1.1',
    headers: attempt.headers,
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: 'utf8',
      data: bytes.toString('utf8'),
    },
    tls: null,
    answer: 'sinkhole',
    attempted: describeAttempt(attempt),
  };
}
