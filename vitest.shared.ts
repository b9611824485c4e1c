import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { SummaryReporter } from './scripts/vitest-summary-reporter.js';

const root = import.meta.dirname;

/** Tests run on the sources of sibling packages, so no build is needed before a unit run. */
const aliases = readdirSync(join(root, 'packages')).map((name) => ({
  find: `@conformance/${name}`,
  replacement: resolve(root, 'packages', name, 'src', 'index.ts'),
}));

export interface ProjectTestOptions {
  /** End-to-end tests start real processes (mitmdump, Appium, Chromium) and live in test/e2e/. */
  e2e?: boolean;
}

export function defineProjectConfig(dir: string, options: ProjectTestOptions = {}): ViteUserConfig {
  return defineConfig({
    root: dir,
    resolve: { alias: aliases },
    test: options.e2e
      ? {
          reporters: ['default', new SummaryReporter(dir, 'e2e')],
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        }
      : {
          reporters: ['default', new SummaryReporter(dir, 'unit')],
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          passWithNoTests: false,
          // Property tests run thousands of cases: their limit is generous, so a machine busy with
          // other work slows them down without failing them.
          testTimeout: 60_000,
        },
  });
}
