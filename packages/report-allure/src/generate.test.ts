import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError } from '@conformance/core';
import { findJava, generateAllureReport, hasDisplay } from './generate.js';

async function runDir(parts: { report?: boolean; results?: boolean }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'allure-generate-'));
  if (parts.report) await writeFile(join(dir, 'report.json'), '{}');
  if (parts.results) await mkdir(join(dir, 'allure-results'));
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<ConformanceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConformanceError);
  return error as ConformanceError;
}

describe('generateAllureReport', () => {
  it('names a run folder that does not exist', async () => {
    const error = await failure(generateAllureReport(join(tmpdir(), 'no-such-run-folder-4711')));
    expect(error.code).toBe('CONF_REPORT_NOT_FOUND');
    expect(error.message).toContain('no-such-run-folder-4711');
  });

  it('names a missing report.json, with the command that writes it', async () => {
    const dir = await runDir({});
    const error = await failure(generateAllureReport(dir));
    expect(error.code).toBe('CONF_REPORT_NOT_FOUND');
    expect(error.message).toContain(join(dir, 'report.json'));
    expect(error.hint).toContain('conformance analyze');
  });

  it('names missing allure-results', async () => {
    const dir = await runDir({ report: true });
    const error = await failure(generateAllureReport(dir));
    expect(error.code).toBe('CONF_REPORT_NOT_FOUND');
    expect(error.message).toContain('allure-results');
  });

  it('says how to install Java when there is none', async () => {
    const dir = await runDir({ report: true, results: true });
    const error = await failure(generateAllureReport(dir, { env: { PATH: '/nonexistent' } }));
    expect(error.code).toBe('CONF_REPORT_JAVA_MISSING');
    expect(error.hint).toContain('apt-get install -y openjdk-17-jre-headless');
  });
});

describe('findJava and hasDisplay', () => {
  it('finds no Java on an empty PATH and honours JAVA_HOME', () => {
    expect(findJava({ PATH: '/nonexistent' })).toBeNull();
    expect(findJava({ PATH: '/nonexistent', JAVA_HOME: '/nonexistent-jdk' })).toBeNull();
  });

  it('sees no display on Linux without DISPLAY or WAYLAND_DISPLAY', () => {
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(hasDisplay({}, 'darwin')).toBe(true);
  });
});
