import {
  CERTIFICATION_SCHEMA_VERSION,
  type CellVerdict,
  type Certification,
  type CertificationCell,
  type CertificationVerdict,
  type CheckStatus,
} from '@conformance/core';
import { printable } from './table.js';

export const CERTIFICATION_JSON = 'certification.json';
export const CERTIFICATION_MD = 'certification.md';

/** What a covered check's pass says, in the words of a statement. */
const claims: Record<string, string> = {
  'consent.no-third-party-before-choice': 'contacts no third party before consent',
  'consent.no-identifier-before-choice': 'sends no identifier before consent',
  'consent.no-personal-data-before-choice': 'sends no personal data before consent',
  'consent.refusal-respected': 'sends nothing to third parties after a refusal',
  'consent.withdrawal-respected': 'stops sending after consent is withdrawn',
  'optional.location-off-by-default': 'keeps location off by default',
  'optional.hardware-ids-off-by-default': 'keeps hardware identifiers off by default',
  'optional.app-list-off-by-default': 'keeps the installed-app list off by default',
  'payload.no-cleartext-personal-data': 'never sends personal data in cleartext',
  'payload.personal-data-encrypted': 'encrypts every payload that carries personal data',
  'payload.encrypted': 'encrypts its payloads as promised',
  'transport.tls-everywhere': 'uses TLS for every request',
  'api.no-sensitive-reads-before-consent': 'reads no sensitive or fingerprinting API before consent',
  'collection.no-timer-driven-beacons': 'sends no timer-driven beacons',
  'gpc.honoured': 'honours Global Privacy Control',
};
export const claimOf = (checkId: string): string => claims[checkId] ?? `passes ${checkId}`;

/** A cell's covered checks as one verdict: an observed failure stands; otherwise anything undecided makes it inconclusive. */
export function cellVerdict(
  statuses: Readonly<Record<string, CheckStatus | string | undefined>>,
  checks: readonly string[],
): CellVerdict {
  const values = checks.map((id) => statuses[id]);
  if (values.includes('fail')) return 'fail';
  if (values.every((status) => status === 'pass' || status === 'not-applicable')) return 'pass';
  return 'inconclusive';
}

export interface CertificationInput {
  tool: Certification['tool'];
  matrix: string;
  startedAt: Date;
  finishedAt?: Date;
  sdk: Certification['sdk'];
  versions: readonly { version: string; installed: Certification['versions'][number]['installed'] }[];
  hosts: Certification['hosts'];
  configurations: Certification['configurations'];
  scenarios: readonly string[];
  checks: readonly string[];
  cells: readonly CertificationCell[];
}

/**
 * The certification of each SDK version, from its cells (pure):
 * - `unproven` when a positive-control cell did not fail a covered check in some host (the
 *   harness did not show it can see what the statement is about there),
 * - else `incomplete` when a cell of a certified configuration errored or stayed inconclusive,
 * - else `failed` when such a cell failed a covered check,
 * - else `certified`.
 * The whole certification takes the worst version verdict in that order.
 */
export function buildCertification(input: CertificationInput): Certification {
  const hostNames = input.hosts.map((host) => host.name);
  const versions = input.versions.map(({ version, installed }) => {
    const cells = input.cells.filter((cell) => cell.version === version);
    const controls = input.configurations.filter((configuration) => configuration.positiveControl);
    const proven = controls.every((configuration) =>
      hostNames.every(
        (host) => cells.find((cell) => cell.host === host && cell.configuration === configuration.name)?.verdict === 'fail',
      ),
    );
    const certified = cells.filter((cell) => !cell.positiveControl);
    const verdict: CertificationVerdict = !proven
      ? 'unproven'
      : certified.some((cell) => cell.verdict === 'error' || cell.verdict === 'inconclusive')
        ? 'incomplete'
        : certified.some((cell) => cell.verdict === 'fail')
          ? 'failed'
          : 'certified';
    const statements: string[] = [];
    for (const configuration of input.configurations) {
      const own = hostNames.map((host) => cells.find((cell) => cell.host === host && cell.configuration === configuration.name));
      if (configuration.positiveControl) {
        const found = own.filter((cell) => cell?.verdict === 'fail').length;
        statements.push(
          `positive control \`${configuration.name}\` failed a covered check in ${found}/${hostNames.length} host apps${found === hostNames.length ? '' : ': the certification of this version is unproven'}`,
        );
        continue;
      }
      for (const check of input.checks) {
        const held = own.filter((cell) => cell?.checks[check] === 'pass' || cell?.checks[check] === 'not-applicable').length;
        const undecided = own.filter(
          (cell) => !cell || !['pass', 'fail', 'not-applicable'].includes(cell.checks[check] ?? ''),
        ).length;
        statements.push(
          `\`${configuration.name}\` ${claimOf(check)} in ${held}/${hostNames.length} host apps${undecided ? ` (${undecided} undecided)` : ''}`,
        );
      }
    }
    return { version, installed, verdict, positiveControlProven: proven, statements };
  });
  const order: CertificationVerdict[] = ['unproven', 'incomplete', 'failed', 'certified'];
  const verdict = order.find((candidate) => versions.some((entry) => entry.verdict === candidate)) ?? 'incomplete';
  return {
    schemaVersion: CERTIFICATION_SCHEMA_VERSION,
    tool: input.tool,
    matrix: input.matrix,
    startedAt: input.startedAt.toISOString(),
    finishedAt: (input.finishedAt ?? new Date()).toISOString(),
    sdk: input.sdk,
    hosts: input.hosts,
    configurations: input.configurations,
    scenarios: [...input.scenarios],
    checks: [...input.checks],
    cells: [...input.cells],
    versions,
    verdict,
  };
}

/** Exit code of `conformance certify`: 0 certified, 1 failed, 2 unproven or incomplete (the run could not prove its result). */
export function certificationExitCode(certification: Certification): 0 | 1 | 2 {
  if (certification.verdict === 'certified') return 0;
  return certification.verdict === 'failed' ? 1 : 2;
}

/** Markdown cell text: no markup, no line break, no table pipe from the data. */
function md(text: string): string {
  return printable(text).replace(/[\\`*_[\]<>|#]/g, (char) => `\\${char}`);
}

/** certification.md: the statements per SDK version first, then every cell's verdict. */
export function renderCertificationMarkdown(certification: Certification): string {
  const lines = [
    `# Certification of ${md(certification.sdk.name)} (\`${md(certification.sdk.package)}\`)`,
    '',
    `**${certification.verdict}** — ${certification.versions.length} version(s) × ${certification.hosts.length} host app(s) × ${certification.configurations.length} configuration(s); scenarios ${certification.scenarios.join(', ')}; covered checks ${certification.checks.map((id) => `\`${id}\``).join(', ')}.`,
    '',
  ];
  for (const version of certification.versions) {
    lines.push(`## ${md(certification.sdk.package)} ${md(version.version)}: ${version.verdict}`, '');
    if (version.installed) {
      lines.push(
        `Installed ${md(version.installed.version)}${version.installed.integrity ? ` (${md(version.installed.integrity)})` : ''}.`,
        '',
      );
    }
    for (const statement of version.statements) lines.push(`- ${md(statement).replace(/\\`/g, '`')}`);
    lines.push('');
  }
  lines.push(
    '## Cells',
    '',
    `| version | host | configuration | verdict | ${certification.checks.map((id) => `\`${id}\``).join(' | ')} |`,
  );
  lines.push(`| --- | --- | --- | --- |${certification.checks.map(() => ' --- |').join('')}`);
  for (const cell of certification.cells) {
    lines.push(
      `| ${md(cell.version)} | ${md(cell.host)} | ${md(cell.configuration)}${cell.positiveControl ? ' (positive control)' : ''} | ${cell.verdict}${cell.error ? `: ${md(cell.error.code)} ${md(cell.error.message)}` : ''} | ${certification.checks.map((id) => md(cell.checks[id] ?? '—')).join(' | ')} |`,
    );
  }
  lines.push('', 'Each cell is a full assessment: its report and evidence are in `cells/<version>/<host>/<configuration>/`.', '');
  return lines.join('\n');
}
