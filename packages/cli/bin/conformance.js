#!/usr/bin/env node
// The `conformance` command (npx conformance …). It is committed, so npm links it when the
// workspace is installed, before anything is built; the CLI itself is compiled into dist/.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const cli = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'error [CONF_TOOL_MISSING]: the conformance CLI is not built\n  fix: run npx nx run-many -t build (or npm run build) in the workspace\n',
  );
  process.exit(2);
}
await import(cli.href);
