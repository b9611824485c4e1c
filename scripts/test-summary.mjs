#!/usr/bin/env node
// Adds up the counts every test run left in <project>/.test-results/ and prints the
// closing line. Exits 1 when a test failed or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const projectDirs = ['packages', 'fixtures/apps', 'fixtures/sdks'].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [],
);
const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
for (const dir of projectDirs) {
  const results = join(dir, '.test-results');
  if (!existsSync(results)) continue;
  for (const file of readdirSync(results).filter((name) => name.endsWith('.json'))) {
    const result = JSON.parse(readFileSync(join(results, file), 'utf8'));
    rows.push(`  ${`${result.project} (${result.kind})`.padEnd(34)} ${result.passed} passed, ${result.failed} failed`);
    for (const key of Object.keys(totals)) totals[key] += result[key] ?? 0;
  }
}
console.log(['', 'test results by project:', ...rows, ''].join('\n'));
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
