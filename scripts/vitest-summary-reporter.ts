import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Writes this run's counts to `.test-results/<package>-<kind>.json` (an Nx output, so
 * cached runs restore it); `scripts/test-summary.mjs` adds them up for the closing line.
 */
export class SummaryReporter implements Reporter {
  constructor(
    private readonly projectDir: string,
    private readonly kind: string,
  ) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) counts.failed++;
    }
    const dir = join(this.projectDir, '.test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${this.kind}.json`),
      `${JSON.stringify({ project: basename(this.projectDir), kind: this.kind, ...counts })}\n`,
    );
  }
}
