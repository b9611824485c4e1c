import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a built web app's folder on 127.0.0.1 (GET/HEAD only, never outside the folder).
 * The app is untrusted: whatever it asks for ends in an HTTP answer (400 for a path that
 * does not decode, 404, 403), never in an exception that could stop the harness.
 */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    answer(base, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end();
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

async function answer(base: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const pathname = decodePath(request.url ?? '/');
  if (pathname === undefined) {
    response.writeHead(400, { 'content-type': 'text/plain' }).end('malformed path');
    return;
  }
  let file = normalize(join(base, pathname));
  if (file !== base && !file.startsWith(base + sep)) {
    response.writeHead(403).end();
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    response.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    if (request.method === 'HEAD') response.end();
    else
      createReadStream(file)
        .on('error', () => response.destroy())
        .pipe(response);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/** The request's path, percent-decoded; undefined when it is not a URL path or does not decode (`/%ff`). */
function decodePath(target: string): string | undefined {
  try {
    return decodeURIComponent(new URL(target, 'http://local').pathname);
  } catch {
    return undefined;
  }
}
