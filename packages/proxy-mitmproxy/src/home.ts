import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-installation folder of the harness (`CONFORMANCE_HOME`, default
 * `~/.config/conformance`). The interception CA lives below it, never in a report.
 */
export function conformanceHome(env: NodeJS.ProcessEnv = process.env): string {
  return env['CONFORMANCE_HOME'] ?? join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'conformance');
}

export function defaultConfDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(conformanceHome(env), 'mitmproxy');
}
