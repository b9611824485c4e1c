import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import {
  attestationFileSchema,
  checkIds,
  closestMatch,
  ConformanceError,
  ErrorCodes,
  formatSchemaPath,
  knownKeysAt,
  suiteSchema,
  type AttestationFile,
  type ErrorCode,
  type Suite,
  waiverFileSchema,
  type WaiverFile,
} from '@conformance/core';

/** A suite as loaded: its data and the file it came from. */
export interface LoadedSuite {
  suite: Suite;
  file: string;
}

/** The text of one suite file and its name (the runner and the CLI read files; this stays pure). */
export interface SuiteSource {
  text: string;
  file: string;
}

/**
 * Parses one `suite.yaml`. Bad YAML, unknown keys, unknown check ids, duplicate ids and wrong
 * values are rejected with one line per problem naming the file, the line, the key and what
 * was expected, with the closest known key or check id suggested.
 */
export function parseSuite(text: string, file: string): LoadedSuite {
  const suite = parseYamlFile(text, file, suiteSchema, {
    code: ErrorCodes.SUITE_INVALID,
    what: 'suite',
    hint: 'correct the keys named above (the format is in docs/SUITES.md; packages/core/schema/suite.schema.json lets an editor check it)',
  });
  return { suite, file };
}

/** Parses an attestation file (`--attest`): outcomes of manual items recorded by a person. */
export function parseAttestationFile(text: string, file: string): AttestationFile {
  return parseYamlFile(text, file, attestationFileSchema, {
    code: ErrorCodes.ATTESTATION_INVALID,
    what: 'attestation file',
    hint: 'each attestation needs item, outcome (pass or fail), name and date (YYYY-MM-DD); note is optional',
  });
}

/** Parses a waiver file (`conformance.waivers.yaml`, `--waivers`): accepted failures with reason, owner and expiry. */
export function parseWaiverFile(text: string, file: string): WaiverFile {
  return parseYamlFile(text, file, waiverFileSchema, {
    code: ErrorCodes.WAIVER_INVALID,
    what: 'waiver file',
    hint: 'each waiver needs item or check, reason, owner and expires (YYYY-MM-DD); host is optional (packages/core/schema/waivers.schema.json lets an editor check it)',
  });
}

interface FileKind {
  code: ErrorCode;
  what: string;
  hint: string;
}

/** YAML text → data checked by `schema`, or a ConformanceError with file:line:column per problem. */
function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S, kind: FileKind): z.output<S> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const position = error.linePos?.[0];
      return `${file}${position ? `:${position.line}:${position.col}` : ''}: ${error.message.split('\n')[0]}`;
    });
    throw new ConformanceError(kind.code, `The ${kind.what} is not valid YAML:\n${lines.join('\n')}`, {
      hint: 'fix the YAML syntax at the position shown',
    });
  }
  let data: unknown;
  try {
    // An alias whose anchor is missing, or aliases expanded past a bound: refused, never expanded.
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConformanceError(
      kind.code,
      `The ${kind.what} is not usable YAML:\n${file}: ${error instanceof Error ? error.message : String(error)}`,
      { hint: 'write the values out instead of YAML aliases (*name) whose anchor is missing or repeated', cause: error },
    );
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => describeIssue(issue, schema, data, document, lineCounter, file));
    throw new ConformanceError(kind.code, `The ${kind.what} is invalid:\n${lines.join('\n')}`, { hint: kind.hint });
  }
  return result.data;
}

/**
 * Parses suites that are used together: besides each file's own rules, suite ids and item ids
 * must be unique across all of them.
 */
export function loadSuites(sources: readonly SuiteSource[]): LoadedSuite[] {
  const loaded = sources.map((source) => parseSuite(source.text, source.file));
  const suites = new Map<string, string>();
  const items = new Map<string, string>();
  const problems: string[] = [];
  for (const { suite, file } of loaded) {
    const other = suites.get(suite.id);
    if (other) problems.push(`${file}: suite id "${suite.id}" is also the id of ${other}`);
    suites.set(suite.id, file);
    for (const item of suite.items) {
      const previous = items.get(item.id);
      if (previous) problems.push(`${file}: item id "${item.id}" is also an item of ${previous}`);
      items.set(item.id, file);
    }
  }
  if (problems.length > 0) {
    throw new ConformanceError(ErrorCodes.SUITE_INVALID, `Suites loaded together share ids:\n${problems.join('\n')}`, {
      hint: 'give every suite and every item an id of its own (item ids start with their suite id)',
    });
  }
  return loaded;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
  data: unknown,
  document: Document,
  lines: LineCounter,
  file: string,
): string[] {
  const where = formatSchemaPath(issue.path);
  const at = (path: readonly PropertyKey[], key?: string) => {
    const offset = positionOf(document, path, key);
    if (offset === undefined) return file;
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, issue.path);
    const prefix = issue.path.length ? `${where}.` : '';
    return issue.keys.map((key) => {
      const suggestion = closestMatch(key, known);
      return `${at(issue.path, key)}: unknown key "${prefix}${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${known.join(', ')}`;
    });
  }
  const value = valueAt(data, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return [`${at(issue.path)}: ${where}: required key is missing (expected ${issue.expected})`];
  }
  if (issue.code === 'invalid_value') {
    const expected = issue.values.map(String);
    if (issue.path.at(-2) === 'checks') {
      const suggestion = typeof value === 'string' ? closestMatch(value, checkIds) : undefined;
      return [
        `${at(issue.path)}: ${where}: unknown check id ${JSON.stringify(value)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; the check ids are listed in the README's Checks table`,
      ];
    }
    // Only a string is compared (an object whose toString is not a function cannot even be printed by String()).
    const suggestion = typeof value === 'string' ? closestMatch(value, expected) : undefined;
    return [
      `${at(issue.path)}: ${where}: expected ${expected.join(' | ')}, got ${JSON.stringify(value)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    ];
  }
  if (issue.code === 'invalid_type') {
    return [`${at(issue.path)}: ${where}: expected ${issue.expected}, got ${JSON.stringify(value)}`];
  }
  return [`${at(issue.path)}: ${where}: ${issue.message}`];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * Offset in the text of the node at `path` (of the key `key` in it), or of its nearest
 * ancestor when the node is missing (a required key points at the map that should hold it).
 */
function positionOf(document: Document, path: readonly PropertyKey[], key?: string): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    if (!node || typeof node !== 'object') continue;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return keyNode.range[0];
    }
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}
