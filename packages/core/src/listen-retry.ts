import { ConformanceError, ErrorCodes } from './errors.js';

/** How many ports a tool that must be told its port is given before the run gives up. */
export const PORT_ATTEMPTS = 3;

/**
 * The error a tool's start raises when it could not bind the port it was given (its output
 * said EADDRINUSE, or it exited before listening for that reason): `onFreePort` then tries
 * another port.
 */
export function portInUse(what: string, port: number, detail: string): ConformanceError {
  return new ConformanceError(ErrorCodes.PORT_IN_USE, `${what} could not listen on 127.0.0.1:${port}: ${detail}`, {
    hint: 'another process took the port between its pick and the bind; run again, or find what takes loopback ports this fast',
  });
}

/**
 * Starts a tool that must be told its port: a free port is picked (`pick`, e.g. get-port) and
 * handed to `start`. Another process can take it in between, so a start that fails with
 * CONF_PORT_IN_USE is tried again on a new port, `attempts` times in all; then the last
 * CONF_PORT_IN_USE is thrown, naming every port tried. Any other failure is thrown at once.
 * Our own servers need none of this: they listen on port 0 and read the port back.
 */
export async function onFreePort<T>(
  what: string,
  pick: () => Promise<number>,
  start: (port: number) => Promise<T>,
  attempts: number = PORT_ATTEMPTS,
): Promise<T> {
  const tried: number[] = [];
  let last: ConformanceError | undefined;
  for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
    const port = await pick();
    tried.push(port);
    try {
      return await start(port);
    } catch (error) {
      if (!(error instanceof ConformanceError) || error.code !== ErrorCodes.PORT_IN_USE) throw error;
      last = error;
    }
  }
  throw new ConformanceError(
    ErrorCodes.PORT_IN_USE,
    `${what} could not listen on any of the ${tried.length} port(s) picked for it (${tried.join(', ')}): each was taken by another process before it bound it. Last: ${last!.message}`,
    { hint: last!.hint ?? '', cause: last },
  );
}
