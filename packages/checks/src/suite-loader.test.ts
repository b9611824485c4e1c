import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError, ErrorCodes } from '@conformance/core';
import { loadSuites, parseAttestationFile, parseSuite } from './suite-loader.js';

const file = 'suites/acme-policy/suite.yaml';
const text = readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'acme-policy', 'suite.yaml'), 'utf8');

/** The error a broken suite raises (fails the test when none is raised). */
function errorOf(source: string, name = file): ConformanceError {
  try {
    parseSuite(source, name);
  } catch (error) {
    if (error instanceof ConformanceError) return error;
    throw error;
  }
  throw new Error('the suite loaded although it is broken');
}

const lineOf = (source: string, needle: string) => source.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('parseSuite', () => {
  it('loads the example suite, with defaults filled in', () => {
    const { suite } = parseSuite(text, file);
    expect(suite.id).toBe('acme-policy');
    expect(suite.items.map((item) => [item.id, item.mode, item.weight])).toEqual([
      ['acme-policy.1', 'automated', 3],
      ['acme-policy.2', 'automated', 1],
      ['acme-policy.3', 'automated', 1],
      ['acme-policy.4', 'manual', 1],
    ]);
    expect(suite.items[3]!.checks).toEqual([]);
  });

  it('rejects an unknown key, naming the file, its line and the key, with "did you mean"', () => {
    const broken = text.replace("    clause: 'Rule 2'", "    clause: 'Rule 2'\n    severty: high");
    const error = errorOf(broken);
    expect(error.code).toBe(ErrorCodes.SUITE_INVALID);
    expect(error.message).toContain(
      `${file}:${lineOf(broken, 'severty')}:5: unknown key "items[1].severty" (did you mean "severity"?)`,
    );
  });

  it('rejects an unknown check id, naming it and suggesting the closest id', () => {
    const broken = text.replace('checks: [transport.tls-everywhere]', 'checks: [transport.tls-everywere]');
    const error = errorOf(broken);
    expect(error.message).toContain(
      `${file}:${lineOf(broken, 'tls-everywere')}:14: items[1].checks[0]: unknown check id "transport.tls-everywere" (did you mean "transport.tls-everywhere"?)`,
    );
  });

  it('names an unknown check id with no close match without suggesting one', () => {
    const error = errorOf(text.replace('checks: [gpc.honoured]', 'checks: [battery.drain]'));
    expect(error.message).toContain('items[2].checks[0]: unknown check id "battery.drain"; the check ids are listed');
  });

  it('rejects a value outside an enum with "expected X, got Y"', () => {
    const broken = text.replace('severity: high', 'severity: urgent');
    const error = errorOf(broken);
    expect(error.message).toContain(
      `${file}:${lineOf(broken, 'urgent')}:15: items[1].severity: expected critical | high | medium | low, got "urgent"`,
    );
  });

  it('rejects a duplicate item id at the line of the second one', () => {
    const broken = text.replace('id: acme-policy.2', 'id: acme-policy.1');
    const error = errorOf(broken);
    expect(error.message).toMatch(new RegExp(`${file}:\\d+:9: items\\[1\\]\\.id: duplicate item id "acme-policy\\.1"`));
  });

  it('names a missing required key and the item that lacks it', () => {
    const broken = text.replace("    clause: 'Rule 3'\n", '');
    const error = errorOf(broken);
    expect(error.message).toContain(`items[2].clause: required key is missing`);
    expect(error.message).toMatch(new RegExp(`${file}:${lineOf(broken, 'id: acme-policy.3')}:\\d+: items\\[2\\]\\.clause`));
  });

  it('rejects YAML that does not parse, with its position', () => {
    const error = errorOf('id: [unclosed\n');
    expect(error.code).toBe(ErrorCodes.SUITE_INVALID);
    expect(error.message).toMatch(new RegExp(`${file}:\\d+:\\d+: `));
  });
});

describe('loadSuites', () => {
  it('rejects an item id that another suite loaded in the same run already uses', () => {
    try {
      loadSuites([
        { text, file },
        { text, file: 'custom/acme/suite.yaml' },
      ]);
      expect.unreachable('two suites with the same ids loaded');
    } catch (error) {
      expect((error as ConformanceError).code).toBe(ErrorCodes.SUITE_INVALID);
      expect((error as ConformanceError).message).toContain(
        'custom/acme/suite.yaml: item id "acme-policy.1" is also an item of suites/acme-policy/suite.yaml',
      );
    }
  });

  it('loads suites whose ids differ', () => {
    const other = text.replaceAll('acme-policy', 'acme-extra');
    expect(
      loadSuites([
        { text, file },
        { text: other, file: 'b.yaml' },
      ]).map((s) => s.suite.id),
    ).toEqual(['acme-policy', 'acme-extra']);
  });
});

describe('parseAttestationFile', () => {
  it('reads attestations and rejects a misspelt key with its line', () => {
    const source = 'attestations:\n  - item: acme-policy.4\n    outcome: pass\n    name: Jane Doe\n    date: 2026-11-30\n';
    expect(parseAttestationFile(source, 'a.yaml').attestations[0]).toEqual({
      item: 'acme-policy.4',
      outcome: 'pass',
      name: 'Jane Doe',
      date: '2026-11-30',
    });
    expect(() => parseAttestationFile(source.replace('outcome', 'outcom'), 'a.yaml')).toThrow(
      /a\.yaml:3:5: unknown key "attestations\[0\]\.outcom" \(did you mean "outcome"\?\)/,
    );
  });

  it('refuses an alias bomb and an undefined alias with a ConformanceError, never a crash', () => {
    const levels = Array.from({ length: 10 }, (_, level) =>
      level === 0
        ? 'l0: &l0 [x]'
        : `l${level}: &l${level} [${Array(10)
            .fill(`*l${level - 1}`)
            .join(', ')}]`,
    );
    for (const text of [`bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`, 'attestations: *nowhere\n']) {
      expect(() => parseAttestationFile(text, 'a.yaml')).toThrow(
        expect.objectContaining({ code: ErrorCodes.ATTESTATION_INVALID, message: expect.stringContaining('a.yaml') }),
      );
    }
    expect(() => parseSuite('id: *nowhere\n', 's.yaml')).toThrow(expect.objectContaining({ code: ErrorCodes.SUITE_INVALID }));
  });
});
