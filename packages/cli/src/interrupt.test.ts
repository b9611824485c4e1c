import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchInterrupts, type SignalSource } from './interrupt.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const warnings: string[] = [];
  const exits: number[] = [];
  const watch = watchInterrupts(emitter as unknown as SignalSource, {
    warn: (message) => warnings.push(message),
    exit: (code) => exits.push(code),
  });
  return { emitter, watch, warnings, exits };
}

describe('watchInterrupts', () => {
  it('aborts the run at the first signal, with the signal as the reason, and exits only at the second', () => {
    const { emitter, watch, warnings, exits } = fakeProcess();
    expect(watch.signal.aborted).toBe(false);
    emitter.emit('SIGINT', 'SIGINT');
    expect(watch.signal.aborted).toBe(true);
    expect(watch.signal.reason).toBe('SIGINT');
    expect(watch.received()).toBe('SIGINT');
    expect(exits).toEqual([]);
    expect(warnings[0]).toContain('SIGINT: stopping the run');
    emitter.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([143]);
    expect(watch.received()).toBe('SIGINT');
  });

  it('a forced exit takes the code of the signal that forced it (SIGINT 130, SIGTERM 143)', () => {
    const term = fakeProcess();
    term.emitter.emit('SIGTERM', 'SIGTERM');
    term.emitter.emit('SIGINT', 'SIGINT');
    expect(term.exits).toEqual([130]);
  });

  it('stops listening once disposed', () => {
    const { emitter, watch } = fakeProcess();
    watch.dispose();
    expect(emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
