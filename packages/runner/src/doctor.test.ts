import { describe, expect, it } from 'vitest';
import { createFakeRunner } from '@conformance/testing';
import { runDoctor } from './doctor.js';

const byName = (report: Awaited<ReturnType<typeof runDoctor>>) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

describe('runDoctor', () => {
  it('web: names a missing mitmdump with its fix and is not ready', async () => {
    const runner = createFakeRunner((command) => {
      if (command === 'mitmdump') return { code: 127, stderr: 'not found' };
      if (command.endsWith('chromedriver')) return { stdout: 'ChromeDriver 156.0.8078.79 (abc)' };
      if (command.endsWith('chromium')) return { stdout: 'Chromium 156.0.8078.79 built on Debian' };
      return { stdout: 'openjdk version "17.0.15"' };
    });
    const report = await runDoctor('web', runner);
    expect(report.ok).toBe(false);
    expect(byName(report)['mitmdump']).toMatchObject({
      status: 'missing',
      required: true,
      fix: expect.stringContaining('apt-get install'),
    });
    expect(byName(report)['chromium = chromedriver']).toMatchObject({ status: 'ok' });
  });

  it('web: a chromedriver of another major version than Chromium is a mismatch', async () => {
    const runner = createFakeRunner((command) => {
      if (command.endsWith('chromedriver')) return { stdout: 'ChromeDriver 150.0.1.2 (abc)' };
      if (command.endsWith('chromium')) return { stdout: 'Chromium 156.0.8078.79' };
      if (command === 'mitmdump') return { stdout: 'Mitmproxy: 8.1.1\nPython:    3.11.2' };
      return {};
    });
    expect(byName(await runDoctor('web', runner))['chromium = chromedriver']).toMatchObject({
      status: 'mismatch',
      detail: 'chromium 156 but chromedriver 150',
    });
  });

  it('web: names the proxy engine captures run on, and warns when it is the slower mitmdump one', async () => {
    const saved = process.env['CONFORMANCE_MITMPROXY_PYTHON'];
    process.env['CONFORMANCE_MITMPROXY_PYTHON'] = '/opt/py/bin/python3';
    try {
      const answer = (check: { code?: number; stdout: string }) =>
        createFakeRunner((command, args) => {
          if (command === 'mitmdump') return { stdout: 'Mitmproxy: 8.1.1\nPython:    3.11.2' };
          if (command === '/opt/py/bin/python3' && args.at(-1) === '--check') return check;
          return {};
        });
      const lean = byName(
        await runDoctor('web', answer({ stdout: 'lean engine: mitmproxy 8.1.1 on Python 3.11.2 (/opt/py/bin/python3)' })),
      );
      expect(lean['proxy engine']).toMatchObject({
        status: 'ok',
        required: false,
        detail: expect.stringMatching(/^lean engine: mitmproxy 8\.1\.1/),
      });
      const fallback = byName(
        await runDoctor(
          'web',
          answer({ code: 3, stdout: 'mitmdump engine: the lean engine does not fit mitmproxy 11.0.0 on Python 3.12.3' }),
        ),
      );
      expect(fallback['proxy engine']).toMatchObject({
        status: 'warn',
        required: false,
        detail: expect.stringContaining('does not fit mitmproxy 11.0.0'),
        fix: expect.stringContaining('CONFORMANCE_MITMPROXY_PYTHON'),
      });
    } finally {
      if (saved === undefined) delete process.env['CONFORMANCE_MITMPROXY_PYTHON'];
      else process.env['CONFORMANCE_MITMPROXY_PYTHON'] = saved;
    }
  });

  it('android: says exactly what is missing when there is no SDK, no adb and no device', async () => {
    const saved = { home: process.env['ANDROID_HOME'], root: process.env['ANDROID_SDK_ROOT'] };
    delete process.env['ANDROID_HOME'];
    delete process.env['ANDROID_SDK_ROOT'];
    try {
      const runner = createFakeRunner((command) =>
        command === 'adb' || command === 'emulator' ? { code: 127, stderr: 'not found' } : { stdout: 'Mitmproxy: 8.1.1' },
      );
      const report = await runDoctor('android', runner);
      const checks = byName(report);
      expect(report.ok).toBe(false);
      expect(checks['ANDROID_HOME']).toMatchObject({ status: 'missing', fix: expect.stringContaining('ANDROID_HOME') });
      expect(checks['adb']).toMatchObject({ status: 'missing', fix: expect.stringContaining('platform-tools') });
      expect(checks['emulator']).toMatchObject({ status: 'warn', required: false });
      expect(checks['appium driver (android)']).toMatchObject({ status: 'ok', required: true });
      expect(checks['chromium']?.required).toBe(false);
    } finally {
      if (saved.home !== undefined) process.env['ANDROID_HOME'] = saved.home;
      if (saved.root !== undefined) process.env['ANDROID_SDK_ROOT'] = saved.root;
    }
  });

  it('android: with adb but no running device, asks to start an emulator', async () => {
    const runner = createFakeRunner((command, args) =>
      command === 'adb' && args[0] === 'devices'
        ? { stdout: 'List of devices attached\n\n' }
        : { stdout: 'Android Debug Bridge version 1.0.41' },
    );
    const checks = byName(await runDoctor('android', runner));
    expect(checks['device attached']).toMatchObject({ status: 'missing', fix: expect.stringContaining('emulator -avd') });
  });

  it('ios: off macOS, says simulators need a Mac', async () => {
    const checks = byName(
      await runDoctor(
        'ios',
        createFakeRunner(() => ({ code: 127 })),
      ),
    );
    expect(checks['macOS']).toMatchObject({ status: process.platform === 'darwin' ? 'ok' : 'missing', required: true });
    expect(checks['xcrun simctl']).toMatchObject({ status: 'missing' });
  });
});
