import { describe, expect, it } from 'vitest';
import { BundleFiles, bundleFileSchemas, decodeBundleFile, encodeBundleFile, scenarioJsonFiles } from './bundle.js';
import { ErrorCodes } from './errors.js';

describe('the evidence bundle layout', () => {
  it('has a schema for every JSON file it names, and names each file once', () => {
    for (const key of Object.keys(bundleFileSchemas)) expect(BundleFiles[key as keyof typeof BundleFiles]).toMatch(/\.json$/);
    for (const key of scenarioJsonFiles) expect(bundleFileSchemas[key]).toBeDefined();
    const names = Object.values(BundleFiles);
    expect(new Set(names).size).toBe(names.length);
  });

  it('round-trips run.json, and refuses to write a file its reader would reject', () => {
    const run = {
      tool: { name: 'conformance' as const, version: '0.1.0' },
      startedAt: '2026-12-01T00:00:00.000Z',
      manifest: '/apps/x/conformance.app.yaml',
      platform: 'web' as const,
      device: 'Pixel 7',
      scenarios: ['idle' as const],
      observationMs: 6000,
      deadlineMs: 96000,
      remote: null,
      node: 'v20.19.0',
    };
    expect(decodeBundleFile('run', encodeBundleFile('run', run), 'run.json')).toEqual(run);
    expect(() => encodeBundleFile('run', { ...run, scenarios: ['nap' as 'idle'] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.BUNDLE_INVALID, message: expect.stringContaining('run.json') }),
    );
  });

  it('names the file and the key of a bad value when reading', () => {
    expect(() => decodeBundleFile('timeline', '[{"action":"nap","at":1,"done":2}]', '/e/idle/timeline.json')).toThrow(
      expect.objectContaining({
        code: ErrorCodes.BUNDLE_INVALID,
        message: expect.stringContaining('/e/idle/timeline.json: 0.action'),
      }),
    );
    expect(() => decodeBundleFile('storage', 'not json', '/e/idle/storage.json')).toThrow(
      expect.objectContaining({ message: '/e/idle/storage.json is not JSON' }),
    );
  });
});
