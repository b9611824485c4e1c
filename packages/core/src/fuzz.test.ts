import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConformanceError } from './errors.js';
import { parseRecordLine } from './journal.js';
import { parseAppManifest } from './manifest.js';

/**
 * Fuzzing of the parsers that take untrusted input: every input either parses or is refused
 * with a ConformanceError naming it. Anything else thrown is a crash of the harness.
 */
const RUNS = 10_000;
// Fuzzing is work, not a time limit: each property may take as long as 10,000 parses take.
const TIMEOUT = 300_000;

function refusedOrParsed(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof ConformanceError && error.code.startsWith('CONF_') && error.message.length > 0) return true;
    throw error;
  }
}

const manifestText = readFileSync(
  join(import.meta.dirname, '..', '..', '..', 'fixtures', 'apps', 'news-careful', 'conformance.app.yaml'),
  'utf8',
);

/** Edits that keep most of a text and break a part of it. */
const mutation = (text: string) =>
  fc.oneof(
    fc
      .tuple(fc.nat(text.length), fc.string({ unit: 'binary', maxLength: 12 }))
      .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
    fc.tuple(fc.nat(text.length), fc.nat(40)).map(([at, length]) => text.slice(0, at) + text.slice(at + length)),
    fc
      .tuple(fc.nat(text.length), fc.constantFrom(':', '{', '[', '&a', '*a', '!!binary', '"', '\t', '\u0000', '- ', '? ', '|'))
      .map(([at, token]) => text.slice(0, at) + token + text.slice(at)),
  );

const manifestKeys = [
  'name',
  'platform',
  'build',
  'entry',
  'firstParty',
  'sellsOrShares',
  'sdks',
  'consent',
  'withdraw',
  'privacyPolicy',
  'journey',
  'appId',
];

describe('fuzzing the manifest parser (10,000 cases each)', { timeout: TIMEOUT }, () => {
  it('mutated valid manifests parse or are refused with a ConformanceError', () => {
    fc.assert(
      fc.property(mutation(manifestText), (text) => refusedOrParsed(() => parseAppManifest(text, 'app.yaml'))),
      {
        numRuns: RUNS,
      },
    );
  });

  it('manifests whose keys hold values of any type parse or are refused with a ConformanceError', () => {
    const base = parseAppManifest(manifestText, 'app.yaml') as Record<string, unknown>;
    fc.assert(
      fc.property(fc.constantFrom(...manifestKeys), fc.jsonValue({ maxDepth: 4 }), (key, value) =>
        refusedOrParsed(() => parseAppManifest(stringify({ ...base, [key]: value }), 'app.yaml')),
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary text parses or is refused with a ConformanceError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) =>
        refusedOrParsed(() => parseAppManifest(text, 'app.yaml')),
      ),
      { numRuns: RUNS },
    );
  });

  it('alias bombs of any shape are refused, never expanded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 12 }), fc.integer({ min: 4, max: 12 }), (levels, width) => {
        const lines = ['l0: &l0 [x]'];
        for (let level = 1; level < levels; level++) {
          lines.push(
            `l${level}: &l${level} [${Array(width)
              .fill(`*l${level - 1}`)
              .join(', ')}]`,
          );
        }
        const text = `${manifestText}\nextra:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
        return refusedOrParsed(() => parseAppManifest(text, 'app.yaml'));
      }),
      { numRuns: 200 },
    );
  });
});

const flowLine = JSON.stringify({
  type: 'flow',
  v: 1,
  id: 'f1',
  startedAt: 1,
  completedAt: 2,
  client: '127.0.0.1:1',
  method: 'POST',
  scheme: 'https',
  host: 'a.test',
  port: 443,
  path: '/c',
  url: 'https://a.test/c',
  httpVersion: 'HTTP/1.1',
  headers: [['content-type', 'application/json']],
  body: { size: 2, sha256: 'a'.repeat(64), encoding: 'utf8', data: '{}' },
  tls: { sni: 'a.test', version: 'TLSv1.3' },
  answer: 'sinkhole',
});

describe('fuzzing the journal line parser (10,000 cases each)', { timeout: TIMEOUT }, () => {
  it('mutated records parse or are refused with a ConformanceError', () => {
    fc.assert(
      fc.property(mutation(flowLine), (line) => refusedOrParsed(() => parseRecordLine(line, 'flows.jsonl:1'))),
      {
        numRuns: RUNS,
      },
    );
  });

  it('records whose fields hold values of any type parse or are refused with a ConformanceError', () => {
    const base = JSON.parse(flowLine) as Record<string, unknown>;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base)), fc.jsonValue({ maxDepth: 3 }), (key, value) =>
        refusedOrParsed(() => parseRecordLine(JSON.stringify({ ...base, [key]: value }), 'flows.jsonl:1')),
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps the place in the journal in its message', () => {
    expect(() => parseRecordLine('{"type":"flow"', 'flows.jsonl:7')).toThrow(/flows\.jsonl:7: not JSON/);
  });
});
