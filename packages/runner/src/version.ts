import { createRequire } from 'node:module';

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

/** The harness version written into every report and evidence bundle. */
export const TOOL_VERSION: string = packageJson.version;
