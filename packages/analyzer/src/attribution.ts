import type { AnalyzedFlow, RequestInitiator } from '@conformance/core';

/** How far apart the browser's and the proxy's clocks of the same request may be. */
const MATCH_WINDOW_MS = 5_000;

/**
 * Attributes each flow to the script that started it: the browser's network log entry
 * with the same method and URL, closest in time, each entry used once.
 */
export function attributeFlows(flows: AnalyzedFlow[], initiators: readonly RequestInitiator[] | undefined): void {
  if (!initiators?.length) return;
  const unused = new Map<string, RequestInitiator[]>();
  for (const initiator of initiators) {
    const key = `${initiator.method} ${initiator.url}`;
    unused.set(key, [...(unused.get(key) ?? []), initiator]);
  }
  for (const flow of flows) {
    const candidates = unused.get(`${flow.flow.method} ${flow.flow.url}`);
    if (!candidates?.length) continue;
    let best = -1;
    for (const [index, candidate] of candidates.entries()) {
      const distance = Math.abs(candidate.at - flow.flow.startedAt);
      if (distance <= MATCH_WINDOW_MS && (best < 0 || distance < Math.abs(candidates[best]!.at - flow.flow.startedAt)))
        best = index;
    }
    if (best < 0) continue;
    const [match] = candidates.splice(best, 1);
    flow.initiator = { script: match!.script, type: match!.type };
  }
}
