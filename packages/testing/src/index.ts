export { makeManifest, makeFlow, makeScenario, mark, T0 } from './factories.js';
export { createFakeSession, type FakeSessionOptions } from './fake-session.js';
export { createFakeProxy, type FakeProxy } from './fake-proxy.js';
export { requestViaProxy, type ProxiedRequest, type ProxiedResponse } from './proxy-client.js';
export { createFakeRunner } from './fake-runner.js';
