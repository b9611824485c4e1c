import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConformanceError } from '@conformance/core';
import { parseAttestationFile, parseSuite } from './suite-loader.js';

/**
 * Fuzzing of the loaders of suite and attestation files (written by people, possibly crafted):
 * every input either loads or is refused with a ConformanceError that has a code and names the
 * file. Anything else thrown is a crash of the harness.
 */
const RUNS = 10_000;
const TIMEOUT = 600_000;

function refusedOrParsed(parse: () => unknown, file: string): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof ConformanceError && error.code.startsWith('CONF_') && error.message.includes(file)) return true;
    throw error;
  }
}

const suiteText = readFileSync(join(import.meta.dirname, '..', '..', '..', 'suites', 'us-ccpa-gpc', 'suite.yaml'), 'utf8');
const attestationText = [
  'attestations:',
  '  - item: us-ccpa-gpc.7025.link',
  '    outcome: pass',
  '    name: Jane Doe',
  '    date: 2026-11-30',
  '    note: the link is on every page',
  '',
].join('\n');

/** Edits that keep most of a text and break a part of it. */
const mutation = (text: string) =>
  fc.oneof(
    fc
      .tuple(fc.nat(text.length), fc.string({ unit: 'binary', maxLength: 12 }))
      .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
    fc.tuple(fc.nat(text.length), fc.nat(60)).map(([at, length]) => text.slice(0, at) + text.slice(at + length)),
    fc
      .tuple(
        fc.nat(text.length),
        fc.constantFrom(':', '{', '[', '&a', '*a', '!!binary', '"', '\t', '\u0000', '- ', '? ', '|', '<<: *a'),
      )
      .map(([at, token]) => text.slice(0, at) + token + text.slice(at)),
  );

/** Every place of a YAML document's data (key paths), to put a value of any type there. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))];
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = replacement;
  return copy;
}

describe('fuzzing the suite loader (10,000 cases each)', { timeout: TIMEOUT }, () => {
  it('mutated suite files load or are refused with a ConformanceError naming the file', () => {
    fc.assert(
      fc.property(mutation(suiteText), (text) => refusedOrParsed(() => parseSuite(text, 'fuzz/suite.yaml'), 'fuzz/suite.yaml')),
      { numRuns: RUNS },
    );
  });

  it('suite files with a value of any type at any place load or are refused with a ConformanceError', () => {
    const data = parse(suiteText) as unknown;
    const places = paths(data);
    fc.assert(
      fc.property(fc.constantFrom(...places), fc.jsonValue({ maxDepth: 3 }), (place, value) =>
        refusedOrParsed(() => parseSuite(stringify(setAt(data, place, value)), 'fuzz/suite.yaml'), 'fuzz/suite.yaml'),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the attestation file loader (10,000 cases each)', { timeout: TIMEOUT }, () => {
  it('mutated attestation files load or are refused with a ConformanceError naming the file', () => {
    fc.assert(
      fc.property(mutation(attestationText), (text) =>
        refusedOrParsed(() => parseAttestationFile(text, 'fuzz/attest.yaml'), 'fuzz/attest.yaml'),
      ),
      { numRuns: RUNS },
    );
  });

  it('attestation files with a value of any type at any place, or any text, load or are refused', () => {
    const data = parse(attestationText) as unknown;
    const places = paths(data);
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.constantFrom(...places), fc.jsonValue({ maxDepth: 3 }))
            .map(([place, value]) => stringify(setAt(data, place, value))),
          fc.string({ unit: 'binary', maxLength: 300 }),
        ),
        (text) => refusedOrParsed(() => parseAttestationFile(text, 'fuzz/attest.yaml'), 'fuzz/attest.yaml'),
      ),
      { numRuns: RUNS },
    );
  });
});
