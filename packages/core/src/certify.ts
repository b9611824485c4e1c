import { parseDocument } from 'yaml';
import { z } from 'zod';
import { checkIds, isCheckId } from './check-ids.js';
import { ConformanceError, ErrorCodes } from './errors.js';
import { scenarioNames } from './evidence.js';
import { closestMatch, formatSchemaPath, knownKeysAt } from './schema-help.js';

/**
 * The certification matrix (`certify.yaml`, read by `conformance certify --matrix`): SDK
 * versions × host apps × SDK configurations. Its JSON Schema is published in
 * packages/core/schema/certify.schema.json for editors.
 */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" (it names a folder)');

export const certifyMatrixSchema = z
  .object({
    sdk: z
      .object({
        /** How the statements name the SDK. */
        name: z.string().min(1),
        /** The npm package the versions are installed from. */
        package: z
          .string()
          .regex(/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, 'an npm package name, e.g. countly-sdk-web or @scope/sdk'),
        /** Exact published versions (no ranges: a certification names what it ran). */
        versions: z
          .array(z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'an exact version such as 26.1.1, not a range'))
          .min(1),
      })
      .strict(),
    /** Host apps: folders holding a conformance.app.yaml and a package.json with a build script, or their manifests. */
    hosts: z.array(z.string().min(1)).min(1),
    configurations: z
      .array(
        z
          .object({
            name,
            /** Passed to the host app's build as JSON (CERTIFY_OPTIONS); what it means is the host's contract. */
            options: z.record(z.string(), z.unknown()).default({}),
            /** A configuration known to violate the statement: it must produce a failure in every host, or the certification is unproven. */
            positiveControl: z.boolean().default(false),
          })
          .strict(),
      )
      .min(2),
    /** The scenarios of each cell (default idle, accept, refuse). */
    scenarios: z.array(z.enum(scenarioNames)).min(1).default(['idle', 'accept', 'refuse']),
    /** The checks the statements cover (default: personal data before consent, after refusal, and the optional fields). */
    checks: z.array(z.string()).min(1).optional(),
    /** Observation window of each scenario in milliseconds (default: the run default). */
    window: z.number().int().min(0).optional(),
  })
  .strict();
export type CertifyMatrix = z.infer<typeof certifyMatrixSchema>;
export type CertifyConfiguration = CertifyMatrix['configurations'][number];

/** The checks a statement covers when the matrix names none. */
export const defaultCertifyChecks = [
  'consent.no-personal-data-before-choice',
  'consent.refusal-respected',
  'optional.location-off-by-default',
  'optional.hardware-ids-off-by-default',
  'optional.app-list-off-by-default',
] as const;

/**
 * Parses the text of a certify.yaml; every problem is one line naming the file and key. At
 * least one configuration must be a positive control and at least one must not be.
 */
export function parseCertifyMatrix(text: string, file: string): CertifyMatrix & { checks: string[] } {
  const invalid = (lines: string[]) =>
    new ConformanceError(
      ErrorCodes.USAGE,
      `The certification matrix is invalid:\n${lines.map((line) => `${file}: ${line}`).join('\n')}`,
      {
        hint: 'correct the keys named above (the format is in the README, "conformance certify")',
      },
    );
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConformanceError(
      ErrorCodes.USAGE,
      `The certification matrix is not valid YAML:\n${document.errors
        .map(
          (error) =>
            `${file}${error.linePos?.[0] ? `:${error.linePos[0].line}:${error.linePos[0].col}` : ''}: ${error.message.split('\n')[0]}`,
        )
        .join('\n')}`,
      { hint: 'fix the YAML syntax at the position shown' },
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw invalid([(error as Error).message]);
  }
  const result = certifyMatrixSchema.safeParse(data);
  if (!result.success) {
    throw invalid(
      result.error.issues.map((issue) => {
        const where = formatSchemaPath(issue.path);
        if (issue.code === 'unrecognized_keys') {
          const known = knownKeysAt(certifyMatrixSchema, issue.path);
          return issue.keys
            .map((key) => {
              const suggestion = closestMatch(key, known);
              return `unknown key "${issue.path.length ? `${where}.` : ''}${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${known.join(', ')}`;
            })
            .join('\n');
        }
        return `${where || 'top level'}: ${issue.message}`;
      }),
    );
  }
  const matrix = result.data;
  const problems: string[] = [];
  if (!matrix.configurations.some((configuration) => configuration.positiveControl)) {
    problems.push(
      'configurations: no configuration is a positive control (positiveControl: true); without one a pass cannot be told from a harness that sees nothing',
    );
  }
  if (!matrix.configurations.some((configuration) => !configuration.positiveControl)) {
    problems.push('configurations: every configuration is a positive control; add the configuration to certify');
  }
  const names = matrix.configurations.map((configuration) => configuration.name);
  for (const duplicate of new Set(names.filter((value, index) => names.indexOf(value) !== index))) {
    problems.push(`configurations: the name "${duplicate}" is used twice`);
  }
  const versions = matrix.sdk.versions;
  for (const duplicate of new Set(versions.filter((value, index) => versions.indexOf(value) !== index))) {
    problems.push(`sdk.versions: ${duplicate} is listed twice`);
  }
  const checks = matrix.checks ?? [...defaultCertifyChecks];
  for (const [index, id] of checks.entries()) {
    if (!isCheckId(id)) {
      const suggestion = closestMatch(id, checkIds);
      problems.push(`checks.${index}: unknown check "${id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
  }
  if (problems.length) throw invalid(problems);
  return { ...matrix, checks };
}

/** The JSON Schema of certify.yaml, as published in packages/core/schema/certify.schema.json. */
export function certifyMatrixJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(certifyMatrixSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'conformance certification matrix (certify.yaml)',
  };
}

/** What a cell's covered checks add up to. */
export const cellVerdicts = ['pass', 'fail', 'inconclusive', 'error'] as const;
export type CellVerdict = (typeof cellVerdicts)[number];

/** What one SDK version's certification comes to. */
export const certificationVerdicts = ['certified', 'failed', 'unproven', 'incomplete'] as const;
export type CertificationVerdict = (typeof certificationVerdicts)[number];

export const CERTIFICATION_SCHEMA_VERSION = 1;

export const certificationCellSchema = z.object({
  version: z.string(),
  host: z.string(),
  configuration: z.string(),
  positiveControl: z.boolean(),
  verdict: z.enum(cellVerdicts),
  /** The covered checks' statuses in this cell. */
  checks: z.record(z.string(), z.string()),
  /** The cell's folder (manifest, built app, report.json, evidence/), relative to the certification folder. */
  folder: z.string(),
  /** Why the cell could not be assessed (a build or run error). */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type CertificationCell = z.infer<typeof certificationCellSchema>;

export const certificationSchema = z.object({
  schemaVersion: z.literal(CERTIFICATION_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('conformance'), version: z.string() }),
  matrix: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  sdk: z.object({ name: z.string(), package: z.string() }),
  hosts: z.array(z.object({ name: z.string(), manifest: z.string() })),
  configurations: z.array(
    z.object({ name: z.string(), options: z.record(z.string(), z.unknown()), positiveControl: z.boolean() }),
  ),
  scenarios: z.array(z.string()),
  checks: z.array(z.string()),
  cells: z.array(certificationCellSchema),
  versions: z.array(
    z.object({
      version: z.string(),
      /** The installed package's version and integrity as npm recorded them. */
      installed: z.object({ version: z.string(), integrity: z.string().nullable(), resolved: z.string().nullable() }).nullable(),
      verdict: z.enum(certificationVerdicts),
      /** Whether every positive-control cell failed a covered check. */
      positiveControlProven: z.boolean(),
      /** One sentence per configuration and covered check, e.g. "… sends no personal data before consent in 2/2 host apps". */
      statements: z.array(z.string()),
    }),
  ),
  verdict: z.enum(certificationVerdicts),
});
export type Certification = z.infer<typeof certificationSchema>;

/** The JSON Schema of certification.json, as published in packages/report/schema/certification.schema.json. */
export function certificationJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(certificationSchema, { io: 'output', target: 'draft-2020-12' }),
    title: `conformance certification, schema version ${CERTIFICATION_SCHEMA_VERSION}`,
  };
}
