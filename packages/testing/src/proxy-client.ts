import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect as tlsConnect } from 'node:tls';

export interface ProxiedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxiedRequest {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** CA certificates the client trusts (PEM); without it the interception certificate is refused. */
  ca?: string;
}

/**
 * Sends one request the way a device does: plain http as an absolute-form request to the
 * proxy, https through a CONNECT tunnel with TLS to the origin's name (SNI).
 */
export async function requestViaProxy(proxyPort: number, url: string, options: ProxiedRequest = {}): Promise<ProxiedResponse> {
  const target = new URL(url);
  const method = options.method ?? 'GET';
  const headers = { host: target.host, ...options.headers };
  if (target.protocol === 'http:') {
    return send(httpRequest({ host: '127.0.0.1', port: proxyPort, path: url, method, headers }), options.body);
  }
  const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
    const tunnel = httpRequest({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: `${target.hostname}:${target.port || 443}`,
    });
    tunnel.once('connect', (_response, raw) => resolve(raw));
    tunnel.once('error', reject);
    tunnel.end();
  });
  const secure = tlsConnect({
    socket,
    servername: target.hostname,
    ALPNProtocols: ['http/1.1'],
    ...(options.ca ? { ca: options.ca } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', () => resolve());
    secure.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
  // TLS is already up on the tunnel: plain HTTP/1.1 is spoken over it.
  return send(
    httpRequest({ method, path: `${target.pathname}${target.search}`, headers, createConnection: () => secure }),
    options.body,
  );
}

function send(request: import('node:http').ClientRequest, body: string | Buffer | undefined): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    request.once('error', reject);
    request.end(body);
  });
}
