import { describe, expect, it } from 'vitest';
import { createNetworkLog } from './network-log.js';

const entry = (method: string, params: unknown) => ({ message: JSON.stringify({ message: { method, params } }) });
const sent = (requestId: string, url: string, extra: Record<string, unknown> = {}) =>
  entry('Network.requestWillBeSent', {
    requestId,
    wallTime: 1_800_000_000.5,
    type: 'Fetch',
    request: { url, method: 'POST', headers: { 'Content-Type': 'application/json' }, postData: '{"e":1}' },
    initiator: { type: 'script', stack: { callFrames: [{ url: 'https://app.example.test/sdk.js' }] } },
    ...extra,
  });

describe('createNetworkLog', () => {
  it('records a request the browser blocked (mixed content) with its reason, headers and body', () => {
    const log = createNetworkLog();
    log.add([
      sent('1', 'http://collect.vendor.test/v1/batch'),
      entry('Network.loadingFailed', {
        requestId: '1',
        errorText: 'net::ERR_BLOCKED_BY_CLIENT',
        blockedReason: 'mixed-content',
        type: 'Fetch',
      }),
    ]);
    expect(log.attempted).toEqual([
      {
        id: '1',
        at: 1_800_000_000_500,
        method: 'POST',
        url: 'http://collect.vendor.test/v1/batch',
        headers: [['Content-Type', 'application/json']],
        postData: '{"e":1}',
        type: 'Fetch',
        errorText: 'net::ERR_BLOCKED_BY_CLIENT',
        blockedReason: 'mixed-content',
        script: 'https://app.example.test/sdk.js',
      },
    ]);
    expect(log.initiators).toHaveLength(1);
  });

  it('records CORS and network failures, with the CORS error named', () => {
    const log = createNetworkLog();
    log.add([
      sent('2', 'https://collect.vendor.test/a'),
      entry('Network.loadingFailed', {
        requestId: '2',
        errorText: 'net::ERR_FAILED',
        corsErrorStatus: { corsError: 'InsecurePrivateNetwork' },
      }),
      sent('3', 'https://collect.vendor.test/b'),
      entry('Network.loadingFailed', { requestId: '3', errorText: 'net::ERR_CERT_AUTHORITY_INVALID' }),
    ]);
    expect(log.attempted.map((a) => [a.id, a.corsError ?? a.errorText])).toEqual([
      ['2', 'InsecurePrivateNetwork'],
      ['3', 'net::ERR_CERT_AUTHORITY_INVALID'],
    ]);
  });

  it('negative control: finished requests and plain cancellations are not attempts', () => {
    const log = createNetworkLog();
    log.add([
      sent('4', 'https://collect.vendor.test/ok'),
      entry('Network.loadingFinished', { requestId: '4' }),
      sent('5', 'https://collect.vendor.test/aborted'),
      entry('Network.loadingFailed', { requestId: '5', errorText: 'net::ERR_ABORTED', canceled: true }),
      { message: 'not json' },
    ]);
    expect(log.attempted).toEqual([]);
    expect(log.initiators.map((i) => i.url)).toEqual(['https://collect.vendor.test/ok', 'https://collect.vendor.test/aborted']);
  });
});
