import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes } from './errors.js';
import { entryUrl, hostMatches, isWebViewApp, parseAppManifest, webViewContext } from './manifest.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'apps');

const minimal = `
name: sample
build: { dist: dist }
firstParty: [app.example.test]
consent: { dialog: "#consent", accept: "#accept" }
`;

function errorOf(text: string): ConformanceError {
  try {
    parseAppManifest(text, 'app.yaml');
  } catch (error) {
    if (error instanceof ConformanceError) return error;
    throw error;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseAppManifest', () => {
  it('accepts a manifest without a consent block (the dialog is then found by the driver)', () => {
    const manifest = parseAppManifest(minimal.replace(/^consent:.*$/m, ''), 'app.yaml');
    expect(manifest.consent).toBeUndefined();
  });

  it('still rejects a consent block without its accept selector', () => {
    expect(errorOf(minimal.replace('accept: "#accept"', 'reject: "#r"')).message).toContain('consent.accept');
  });

  it.each(['news-leaky', 'news-careful'])('accepts the bundled fixture manifest %s', (app) => {
    const file = join(fixtures, app, 'conformance.app.yaml');
    const manifest = parseAppManifest(readFileSync(file, 'utf8'), file);
    expect(manifest.name).toBe(app);
    expect(manifest.sdks[0]?.hosts).toEqual(['collect.vendor-analytics.test']);
    expect(manifest.journey.length).toBeGreaterThan(0);
  });

  it('fills in the documented defaults', () => {
    const manifest = parseAppManifest(minimal, 'app.yaml');
    expect(manifest).toMatchObject({ platform: 'web', entry: '/index.html', sellsOrShares: true, sdks: [], journey: [] });
  });

  it('rejects a misspelled top-level key, naming the file, the key and the likely intent', () => {
    const error = errorOf(`${minimal}firstparty: [x.test]\n`);
    expect(error.code).toBe(ErrorCodes.MANIFEST_INVALID);
    expect(error.message).toContain('app.yaml: unknown key "firstparty" (did you mean "firstParty"?)');
  });

  it('rejects an unknown nested key with its full path', () => {
    const error = errorOf(minimal.replace('accept: "#accept"', 'accept: "#accept", rejekt: "#no"'));
    expect(error.message).toContain('unknown key "consent.rejekt" (did you mean "reject"?)');
  });

  it('rejects a wrong type with the key path and what was expected', () => {
    const error = errorOf(`${minimal}sellsOrShares: "yes"\n`);
    expect(error.message).toMatch(/app\.yaml: sellsOrShares: .*boolean/);
  });

  it('names a missing required key', () => {
    const error = errorOf(minimal.replace('build: { dist: dist }\n', ''));
    expect(error.message).toContain('app.yaml: build: required key is missing');
  });

  it('rejects a journey step of unknown shape', () => {
    const error = errorOf(`${minimal}journey:\n  - { click: "#a" }\n`);
    expect(error.message).toContain('journey[0]');
  });

  it('requires a reason for an SDK marked necessary', () => {
    const error = errorOf(`${minimal}sdks:\n  - { name: CDN, hosts: [cdn.example.test], necessary: true }\n`);
    expect(error.message).toContain('sdks[0].reason: an SDK marked necessary: true needs a reason');
  });

  it('reports YAML syntax errors with line and column', () => {
    const error = errorOf('name: sample\nfirstParty: [a.test\n');
    expect(error.code).toBe(ErrorCodes.MANIFEST_SYNTAX);
    expect(error.message).toMatch(/app\.yaml:\d+:\d+: /);
  });

  it('requires appId for native platforms', () => {
    expect(errorOf(minimal.replace('build:', 'platform: android\nbuild:')).message).toContain(
      'appId: required for platform android',
    );
    expect(
      parseAppManifest(minimal.replace('build:', 'platform: android\nappId: com.example.news\nbuild:'), 'app.yaml').appId,
    ).toBe('com.example.news');
  });

  it('accepts webView on android and ios, as true or with the web view context', () => {
    const android = minimal.replace('build:', 'platform: android\nappId: com.example.news\nbuild:');
    const marked = parseAppManifest(`${android}webView: true\n`, 'app.yaml');
    expect(marked.webView).toBe(true);
    expect(isWebViewApp(marked)).toBe(true);
    expect(webViewContext(marked)).toBeUndefined();
    const named = parseAppManifest(`${android}webView: { context: WEBVIEW_com.example.news }\n`, 'app.yaml');
    expect(webViewContext(named)).toBe('WEBVIEW_com.example.news');
    const ios = minimal.replace('build:', 'platform: ios\nappId: com.example.news\nbuild:');
    expect(isWebViewApp(parseAppManifest(`${ios}webView: true\n`, 'app.yaml'))).toBe(true);
    // Absent or false: not a web-view app.
    expect(isWebViewApp(parseAppManifest(android, 'app.yaml'))).toBe(false);
    expect(isWebViewApp(parseAppManifest(`${android}webView: false\n`, 'app.yaml'))).toBe(false);
  });

  it('rejects webView on platform web, and a context that is not a WEBVIEW_ name', () => {
    const onWeb = errorOf(`${minimal}webView: true\n`);
    expect(onWeb.code).toBe(ErrorCodes.MANIFEST_INVALID);
    expect(onWeb.message).toContain('app.yaml: webView: only for platform android or ios');
    expect(onWeb.hint).toContain('remove webView');
    expect(() => parseAppManifest(`${minimal}webView: false\n`, 'app.yaml')).not.toThrow();
    const android = minimal.replace('build:', 'platform: android\nappId: com.example.news\nbuild:');
    expect(errorOf(`${android}webView: { context: com.example.news }\n`).message).toContain(
      'webView.context: an Appium web view context such as WEBVIEW_com.example.news',
    );
    expect(errorOf(`${android}webView: { name: WEBVIEW_x }\n`).message).toContain('webView');
  });

  it('rejects an entry URL outside the first party', () => {
    const error = errorOf(`${minimal}entry: http://elsewhere.test/index.html\n`);
    expect(error.message).toContain('entry: host elsewhere.test is not one of firstParty');
  });
});

describe('entryUrl', () => {
  it('serves a path entry over https on the first first-party host', () => {
    expect(entryUrl({ entry: '/start.html', firstParty: ['app.example.test'] }).href).toBe('https://app.example.test/start.html');
  });
  it('keeps a full URL entry as given', () => {
    expect(entryUrl({ entry: 'http://app.example.test/i.html', firstParty: ['app.example.test'] }).href).toBe(
      'http://app.example.test/i.html',
    );
  });
});

describe('hostMatches', () => {
  it('matches the host and its subdomains, never a lookalike', () => {
    expect(hostMatches('news.example.test', 'news.example.test')).toBe(true);
    expect(hostMatches('api.news.example.test', 'news.example.test')).toBe(true);
    expect(hostMatches('evilnews.example.test', 'news.example.test')).toBe(false);
    expect(hostMatches('news.example.test', '*.news.example.test')).toBe(false);
    expect(hostMatches('a.news.example.test', '*.news.example.test')).toBe(true);
  });
});

describe('parseAppManifest on hostile or mistyped input', () => {
  it('says "expected X, got Y" for a key present with the wrong type', () => {
    const error = errorOf(minimal.replace('firstParty: [app.example.test]', 'firstParty: 42'));
    expect(error.code).toBe(ErrorCodes.MANIFEST_INVALID);
    expect(error.message).toContain('app.yaml: firstParty: expected array, got number 42');
    expect(error.message).not.toContain('missing');
  });

  it('refuses a YAML alias bomb with a syntax error instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const error = errorOf(`${minimal}\nbomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`);
    expect(error.code).toBe(ErrorCodes.MANIFEST_SYNTAX);
    expect(error.message).toMatch(/app\.yaml: .*alias/i);
  });

  it.each(['../../../../etc', '/', '/srv/site', 'dist/../../x', 'C:\\\\site'])(
    'keeps build.dist inside the manifest folder: %s',
    (dist) => {
      const error = errorOf(minimal.replace('build: { dist: dist }', `build: { dist: ${JSON.stringify(dist)} }`));
      expect(error.code).toBe(ErrorCodes.MANIFEST_INVALID);
      expect(error.message).toContain('build.dist: a path inside the manifest');
    },
  );
});
