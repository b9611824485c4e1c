import { interruptedExitCode } from '@conformance/runner';

/** The part of `process` that interrupt handling uses (a fake in unit tests). */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InterruptWatch {
  /** Aborted at the first SIGINT/SIGTERM, with the signal's name as its reason. */
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): string | undefined;
  /** Stops listening (the run is over). */
  dispose(): void;
}

/**
 * Turns SIGINT/SIGTERM into an orderly stop: the first signal aborts the run (which stops its
 * processes and keeps what it gathered); a second one forces the exit at once.
 */
export function watchInterrupts(
  source: SignalSource,
  options: { warn(message: string): void; exit(code: number): void },
): InterruptWatch {
  const controller = new AbortController();
  let first: string | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (first) {
      options.warn(`second ${signal}: exiting now, without waiting for the run's processes to stop`);
      options.exit(interruptedExitCode(signal));
      return;
    }
    first = signal;
    options.warn(`${signal}: stopping the run and keeping the evidence gathered so far (send it again to exit at once)`);
    controller.abort(signal);
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return {
    signal: controller.signal,
    received: () => first,
    dispose() {
      source.off('SIGINT', listener);
      source.off('SIGTERM', listener);
    },
  };
}
