import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes } from './errors.js';
import { onFreePort, portInUse, PORT_ATTEMPTS } from './listen-retry.js';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const portOf = (server: Server) => (server.address() as { port: number }).port;

/** A fake tool: binds the port it is told, and reports EADDRINUSE the way the adapters do. */
const fakeTool = (started: Server[]) => async (port: number) => {
  try {
    const server = await listen(port);
    started.push(server);
    return portOf(server);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse('the fake tool', port, 'EADDRINUSE');
    throw error;
  }
};

describe('onFreePort', () => {
  it('a port a test listener holds is given up for a new one; the tool ends up listening on the new port', async () => {
    const held = await listen(0);
    const started: Server[] = [];
    try {
      const free = await listen(0);
      const freePort = portOf(free);
      await close(free);
      const picks = [portOf(held), freePort];
      const port = await onFreePort('the fake tool', async () => picks.shift()!, fakeTool(started));
      expect(port).toBe(freePort);
      expect(picks).toEqual([]);
      expect(started.map(portOf)).toEqual([freePort]);
    } finally {
      await Promise.all([held, ...started].map(close));
    }
  });

  it(`gives up after ${PORT_ATTEMPTS} ports taken, with CONF_PORT_IN_USE naming every port tried`, async () => {
    const held = await listen(0);
    let picked = 0;
    try {
      const failure = await onFreePort('the fake tool', async () => (picked++, portOf(held)), fakeTool([])).catch(
        (error: unknown) => error,
      );
      expect(picked).toBe(PORT_ATTEMPTS);
      expect(failure).toBeInstanceOf(ConformanceError);
      expect(failure).toMatchObject({
        code: ErrorCodes.PORT_IN_USE,
        message: expect.stringContaining(
          `the fake tool could not listen on any of the 3 port(s) picked for it (${Array(3).fill(portOf(held)).join(', ')})`,
        ),
        hint: expect.stringContaining('another process took the port'),
      });
    } finally {
      await close(held);
    }
  });

  it('any other failure is thrown at once, without another pick', async () => {
    let picked = 0;
    const boom = new ConformanceError(ErrorCodes.DRIVER_START, 'it crashed');
    await expect(
      onFreePort(
        'x',
        async () => ++picked,
        async () => Promise.reject(boom),
      ),
    ).rejects.toBe(boom);
    expect(picked).toBe(1);
  });
});
