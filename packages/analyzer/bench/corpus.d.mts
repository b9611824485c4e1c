import type { Canary, FlowRecord } from '@conformance/core';
import type { FlowContext } from '../src/flow.js';

/** The i-th flow of the seeded sequence (call in order after seeding, as corpus() does). */
export function makeFlow(i: number): FlowRecord;
/** The first `count` flows, in batches of 1,000. */
export function corpus(count: number): Generator<FlowRecord[]>;
export const canaries: Canary[];
export const context: FlowContext;
