import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDoctor } from './commands/doctor.js';
import { main, unexpectedFailure } from './program.js';

function captureStderr() {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  return () => chunks.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('conformance run', () => {
  it('exits 2 on a manifest with a misspelled key, naming the key and the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const manifest = join(dir, 'conformance.app.yaml');
    await writeFile(
      manifest,
      'name: x\nbuild: { dist: dist }\nfirstParty: [a.test]\nconsent: { dialog: "#c", accept: "#a" }\njourny: []\n',
    );
    const stderr = captureStderr();
    expect(await main(['run', '--app', manifest])).toBe(2);
    expect(stderr()).toContain(`${manifest}: unknown key "journy" (did you mean "journey"?)`);
    expect(stderr()).toContain('CONF_MANIFEST_INVALID');
  });

  it('exits 2 when the manifest does not exist', async () => {
    const stderr = captureStderr();
    expect(await main(['run', '--app', '/nowhere/conformance.app.yaml'])).toBe(2);
    expect(stderr()).toContain('CONF_MANIFEST_NOT_FOUND');
  });

  it('exits 2 on an unknown scenario or option (1 is reserved for failed checks)', async () => {
    const stderr = captureStderr();
    expect(await main(['run', '--app', 'x.yaml', '--scenarios', 'idle,nap'])).toBe(2);
    expect(stderr()).toContain('unknown scenario "nap"');
    expect(await main(['run', '--bogus'])).toBe(2);
  });

  it('exits 2 on an evidence cap that is not a whole number of MiB', async () => {
    const stderr = captureStderr();
    expect(await main(['run', '--app', 'x.yaml', '--max-evidence', '-1'])).toBe(2);
    expect(stderr()).toContain('--max-evidence must be a whole number');
    expect(await main(['run', '--app', 'x.yaml', '--max-body', '1.5'])).toBe(2);
    expect(stderr()).toContain('--max-body must be a whole number');
  });
});

describe('formatDoctor', () => {
  it('shows each part and the fix of every missing one, and says whether the platform is ready', () => {
    const text = formatDoctor({
      platform: 'web',
      ok: false,
      checks: [
        { name: 'node', status: 'ok', required: true, detail: 'v20.20.2' },
        { name: 'mitmdump', status: 'missing', required: true, detail: 'mitmdump not found', fix: 'apt-get install mitmproxy' },
        { name: 'java', status: 'warn', required: false, detail: 'not found', fix: 'install java' },
      ],
    });
    expect(text).toMatch(/MISSING\s+mitmdump\s+mitmdump not found/);
    expect(text).toMatch(/warn \(optional\)\s+java/);
    expect(text).toContain('mitmdump: apt-get install mitmproxy');
    expect(text).toContain('not ready for the web platform');
  });
});

describe('last resort', () => {
  it('turns an exception nothing caught into exit 2 with its cause named', () => {
    const stderr = captureStderr();
    expect(unexpectedFailure(new URIError('URI malformed'))).toBe(2);
    expect(stderr()).toMatch(/CONF_UNEXPECTED[\s\S]*URIError: URI malformed/);
  });
});

describe('conformance checklists', () => {
  const acme = join(import.meta.dirname, '..', '..', 'checks', 'test', 'fixtures', 'acme-policy');

  it('prints the suites given with --suite as JSON', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    expect(await main(['checklists', '--suite', acme, '--json'])).toBe(0);
    expect(JSON.parse(chunks.join(''))[0]).toMatchObject({ id: 'acme-policy', items: expect.any(Array) });
  });

  it('exits 2 on an empty --suite list and on a suite that does not load, naming the problem', async () => {
    const stderr = captureStderr();
    expect(await main(['checklists', '--suite', ','])).toBe(2);
    expect(stderr()).toContain('give at least one suite id or folder');
    const dir = await mkdtemp(join(tmpdir(), 'cli-suite-'));
    await writeFile(join(dir, 'suite.yaml'), 'id: broken\ntitle: t\ndescriptio: d\n');
    expect(await main(['checklists', '--suite', dir])).toBe(2);
    expect(stderr()).toMatch(
      /CONF_SUITE_INVALID[\s\S]*suite\.yaml:3:1: unknown key "descriptio" \(did you mean "description"\?\)/,
    );
  });
});
