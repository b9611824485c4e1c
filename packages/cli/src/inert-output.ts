import { inert } from '@conformance/core';

/**
 * Makes a stream print only inert text: every string or buffer written to it loses its
 * escape sequences and control characters first (see `inert` in @conformance/core). The CLI
 * applies it to stdout and stderr before anything runs, so no app-supplied text (a button
 * label in the verdict table, a URL in the progress, a payload quoted in an error) can reach
 * the terminal as a command, whichever code path prints it.
 */
export function makeInert(stream: NodeJS.WriteStream | NodeJS.WritableStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const inertWrite = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return write(inert(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const encoding = typeof rest[0] === 'string' ? rest.slice(1) : rest;
      return write(inert(Buffer.from(chunk).toString('utf8')), ...encoding);
    }
    return write(chunk, ...rest);
  };
  stream.write = inertWrite as typeof stream.write;
}
