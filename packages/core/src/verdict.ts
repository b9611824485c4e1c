import type { Phase } from './phase.js';

export const checkStatuses = ['pass', 'fail', 'not-applicable', 'inconclusive'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

/** A pointer from a verdict to what justifies it in the evidence bundle. */
export type EvidenceRef =
  | {
      kind: 'flow';
      scenario: string;
      flowId: string;
      method: string;
      url: string;
      host: string;
      scheme: string;
      phase: Phase;
      /** Milliseconds from the scenario's launch to the request's start. */
      sinceLaunchMs: number | null;
      destination: string;
      /** The script that started the request, when the browser's network log names it. */
      initiator?: string;
      /** Set when the request never reached the proxy because the browser stopped it: why, and what that means. */
      attempted?: string;
    }
  | { kind: 'scenario'; scenario: string; status: string; detail: string }
  | {
      kind: 'api-event';
      scenario: string;
      api: string;
      eventKind: 'permission' | 'sensitive-api';
      phase: Phase;
      /** The script that made the call, and the SDK it belongs to when known. */
      script: string | null;
      attributedTo: string;
      sinceLaunchMs: number | null;
    }
  | { kind: 'timeline'; scenario: string; action: string; at: number; selector?: string; detail?: string }
  | { kind: 'screenshot'; scenario: string; file: string }
  | { kind: 'note'; detail: string };

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  summary: string;
  evidence: EvidenceRef[];
}
