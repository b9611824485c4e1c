#!/usr/bin/env node
// The `conformance` command. npm links this file at install time, before anything is
// built, so it exists on a fresh clone; it runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const compiled = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write(
    `conformance: the CLI is not built (${fileURLToPath(compiled)} is missing)\n` +
      '  hint: build the workspace first: npx nx run-many -t build\n',
  );
  process.exit(2);
}
await import(compiled.href);
