import { describe, expect, it } from 'vitest';
import type { AttemptedRequest } from '@conformance/core';
import { makeFlow, T0 } from '@conformance/testing';
import { attemptedFlows } from './attempted.js';

const attempt = (url: string, extra: Partial<AttemptedRequest> = {}): AttemptedRequest => ({
  id: url,
  at: T0 + 10,
  method: 'POST',
  url,
  headers: [['content-type', 'application/json']],
  postData: '{"phone":"5550100"}',
  type: 'Fetch',
  errorText: 'net::ERR_FAILED',
  blockedReason: 'mixed-content',
  script: null,
  ...extra,
});

describe('attemptedFlows', () => {
  it('turns a request the browser stopped into a flow marked attempted, with its body, in start order', () => {
    const journaled = [makeFlow('https://app.example.test/index.html', 0), makeFlow('https://app.example.test/late', 20)];
    const flows = attemptedFlows([attempt('http://collect.vendor.test/v1/batch')], journaled);
    expect(flows.map((flow) => flow.path)).toEqual(['/index.html', '/v1/batch', '/late']);
    expect(flows[1]).toMatchObject({
      scheme: 'http',
      host: 'collect.vendor.test',
      port: 80,
      method: 'POST',
      tls: null,
      body: { encoding: 'utf8', data: '{"phone":"5550100"}', size: 19 },
      attempted: {
        reason: 'mixed-content',
        note: "blocked by the browser's mixed-content rule; a WebView or native app that allows cleartext would send it",
      },
    });
  });

  it('negative control: an attempt that did reach the proxy (same method and URL) is not counted twice', () => {
    const reached = makeFlow('https://collect.vendor.test/v1/batch', 5, { method: 'POST' });
    const flows = attemptedFlows(
      [attempt('https://collect.vendor.test/v1/batch', { blockedReason: undefined, corsError: 'MissingAllowOriginHeader' })],
      [reached],
    );
    expect(flows).toEqual([reached]);
  });

  it('each journal flow accounts for one attempt only', () => {
    const url = 'https://collect.vendor.test/v1/batch';
    const flows = attemptedFlows([attempt(url, { id: 'a' }), attempt(url, { id: 'b' })], [makeFlow(url, 5, { method: 'POST' })]);
    expect(flows.filter((flow) => flow.attempted).map((flow) => flow.id)).toEqual(['attempted-b']);
  });
});
