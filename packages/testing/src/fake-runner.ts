import type { CommandResult, CommandRunner } from '@conformance/core';

/** A command runner that records every call and answers from a script of responses. */
export function createFakeRunner(
  answer: (command: string, args: readonly string[]) => Partial<CommandResult> | undefined = () => undefined,
): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(command, args) {
      calls.push([command, ...args].join(' '));
      return { code: 0, stdout: '', stderr: '', ...answer(command, args) };
    },
  };
}
