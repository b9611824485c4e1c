/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { remote } from 'webdriverio';
import { describe, expect, it } from 'vitest';
import type { ItemResult } from '@conformance/core';
import { app, check, conformance, readReport } from './helpers.js';

// The real pipeline end to end: the run, allure-commandline on Java, and the generated HTML in
// headless Chromium (through chromedriver), served over http from 127.0.0.1 as Allure needs.

const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--window-size=1400,1400',
];
const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.woff': 'font/woff',
};

/** A static file server for one folder, on 127.0.0.1. */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root)) return void response.writeHead(403).end();
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the static server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  await new Promise((done) => probe.close(done));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function chromedriver(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.env.CONFORMANCE_CHROMEDRIVER ?? '/usr/bin/chromedriver', [`--port=${port}`], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const ready = await fetch(`http://127.0.0.1:${port}/status`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { child, port };
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill();
  throw new Error('chromedriver did not start');
}

/** The uid Allure gave the test case of an item (its data/test-cases/<uid>.json). */
async function testCaseUid(reportDir: string, item: ItemResult): Promise<string> {
  const dir = join(reportDir, 'data', 'test-cases');
  for (const name of await readdir(dir)) {
    const data = JSON.parse(await readFile(join(dir, name), 'utf8')) as { uid: string; name: string };
    if (data.name.startsWith(`${item.id} `)) return data.uid;
  }
  throw new Error(`no Allure test case for ${item.id}`);
}

describe('the Allure report of a hostile app', () => {
  it('news-xss: nothing it sent runs in the Allure HTML, the failed item is on the page, and the terminal output holds no escape sequence', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cli-allure-'));
    const run = await conformance(['run', '--app', app('news-xss'), '--out', out, '--scenarios', 'idle', '--window', '2000']);
    expect(run.stderr).not.toContain('CONF_UNEXPECTED');
    // Its labels and payload carry ESC sequences; the CLI prints no ESC at all (it has no colours of its own).
    // eslint-disable-next-line no-control-regex
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(run.stdout).toContain(`report: ${join(out, 'report.json')}`);
    expect(run.stdout).toContain(`allure results: ${join(out, 'allure-results')}`);
    const report = await readReport(out);
    // The hostile consent labels reached a verdict, and the device id wrapped in markup a failed item.
    expect(check(report, 'consent.reject-as-easy-as-accept').summary).toContain('<img src=x onerror=');
    const items = report.suites.flatMap((suite) => suite.items);
    const failed = items.find(
      (item) =>
        item.status === 'fail' && item.checks.some((c) => c.id === 'consent.no-identifier-before-choice' && c.status === 'fail'),
    );
    expect(failed, 'an item failed by consent.no-identifier-before-choice').toBeDefined();
    const quoting = items.find((item) => item.checks.some((c) => c.id === 'consent.reject-as-easy-as-accept'))!;

    const generated = await conformance(['report', out]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(`allure report: ${join(out, 'allure-report', 'index.html')}`);
    const reportDir = join(out, 'allure-report');
    const excerpt = (await readdir(join(reportDir, 'data', 'attachments'))).length;
    expect(excerpt).toBeGreaterThan(0);

    const { server, url } = await serve(reportDir);
    const driver = await chromedriver();
    const browser = await remote({
      hostname: '127.0.0.1',
      port: driver.port,
      path: '/',
      logLevel: 'error',
      capabilities: {
        browserName: 'chrome',
        'goog:chromeOptions': { binary: process.env.CONFORMANCE_CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs },
      },
    });
    const pwned = () => browser.execute(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null);
    const payloadInDom = () =>
      browser.execute(
        () =>
          document.querySelectorAll('img[src="x"]').length +
          [...document.querySelectorAll('script')].filter((script) => script.textContent?.includes('__pwned')).length,
      );
    try {
      // Positive control: the same payload, given to the browser as markup, does run and is seen.
      await browser.url(
        `data:text/html,${encodeURIComponent(`<p>${check(report, 'consent.reject-as-easy-as-accept').summary}</p>`)}`,
      );
      await browser.waitUntil(async () => (await pwned()) !== null, {
        timeout: 5_000,
        timeoutMsg: 'the probe cannot see a payload run',
      });
      for (const item of [failed!, quoting]) {
        await browser.url(`${url}/index.html#testresult/${await testCaseUid(reportDir, item)}`);
        await browser.waitUntil(async () => (await browser.execute(() => document.body.innerText)).includes(item.id), {
          timeout: 20_000,
          timeoutMsg: `the test case of ${item.id} did not show`,
        });
        // Open every step and every attachment, so each payload-bearing text is rendered.
        for (let round = 0; round < 3; round++) {
          await browser.execute(() =>
            [...document.querySelectorAll('.step__title_hasContent')]
              .filter((title) => !title.parentElement!.className.includes('expanded'))
              .forEach((title) => (title as HTMLElement).click()),
          );
          await browser.pause(300);
        }
        const opened = await browser.execute(() => {
          const rows = [...document.querySelectorAll('.attachment-row')];
          rows.forEach((row) => (row as HTMLElement).click());
          return rows.length;
        });
        await browser.pause(1500);
        const text = await browser.execute(() => document.body.innerText);
        expect(text).toContain(`${item.id} ${item.title}`);
        if (item === failed) {
          expect(opened).toBeGreaterThan(0);
          // The excerpt shows the payload as text, highlighted: it was rendered, not parsed.
          expect(text).toContain('<img src=x onerror=');
          expect(text).toContain('⟦');
        } else {
          expect(text).toContain('onerror'); // the label, shown inert in the summary and description
        }
        expect(await pwned(), `a payload script ran on the page of ${item.id}`).toBeNull();
        expect(await browser.getTitle()).not.toBe('pwned');
        expect(await payloadInDom(), `payload markup became elements on the page of ${item.id}`).toBe(0);
      }

      // A second report of the same folder carries the history, as one self-contained file.
      const single = await conformance(['report', out, '--single-file']);
      expect(single.code).toBe(0);
      expect(single.stdout).toContain('history: carried from the previous report');
      expect((await readdir(reportDir)).sort()).toEqual(['history', 'index.html']);
      const trend = JSON.parse(await readFile(join(reportDir, 'history', 'history-trend.json'), 'utf8')) as {
        buildOrder: number;
      }[];
      expect(trend.map((point) => point.buildOrder)).toEqual([2, 1]);
      await browser.url(`file://${join(reportDir, 'index.html')}#behaviors`);
      await browser.waitUntil(async () => (await browser.execute(() => document.body.innerText)).includes('cn-gbt-35273'), {
        timeout: 20_000,
        timeoutMsg: 'the single-file report did not show its behaviors',
      });
      expect(await pwned()).toBeNull();
      expect(await browser.getTitle()).not.toBe('pwned');
    } finally {
      await browser.deleteSession().catch(() => undefined);
      driver.child.kill();
      server.close();
    }
  });

  it('names a run folder without report.json, and exits 2', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cli-allure-empty-'));
    const result = await conformance(['report', empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONF_REPORT_NOT_FOUND');
    expect(result.stderr).toContain(join(empty, 'report.json'));
    expect(existsSync(join(empty, 'allure-report'))).toBe(false);
  });
});
