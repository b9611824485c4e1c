import { describe, expect, it } from 'vitest';
import { createFakeSession } from './fake-session.js';
import { makeFlow, makeScenario } from './factories.js';

describe('createFakeSession', () => {
  it('records calls, reports only the displayed selectors and refuses taps on the others', async () => {
    const session = createFakeSession({ displayed: ['#consent'] });
    expect(await session.waitForDisplayed('#consent', 10)).toBe(true);
    expect(await session.waitForDisplayed('#nope', 10)).toBe(false);
    await expect(session.tap('#nope')).rejects.toThrow('#nope');
    expect(session.calls).toEqual(['wait #consent', 'wait #nope', 'tap #nope']);
  });
});

describe('factories', () => {
  it('make a live scenario whose first flow is the entry page', () => {
    const scenario = makeScenario('idle', [makeFlow('http://t.test/x', 5)]);
    expect(scenario.flows.map((flow) => flow.url)).toEqual(['https://app.example.test/index.html', 'http://t.test/x']);
    expect(scenario.flows[1]).toMatchObject({ scheme: 'http', port: 80, tls: null });
  });
});
