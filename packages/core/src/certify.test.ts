import { describe, expect, it } from 'vitest';
import { certifyMatrixJsonSchema, parseCertifyMatrix } from './certify.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const valid = `sdk: { name: Countly, package: countly-sdk-web, versions: ['26.1.1'] }
hosts: [../apps/host]
configurations:
  - { name: default, options: { init: { require_consent: true } } }
  - { name: control, positiveControl: true }
`;

describe('parseCertifyMatrix', () => {
  it('reads a matrix with its defaults: scenarios idle, accept, refuse and the default covered checks', () => {
    const matrix = parseCertifyMatrix(valid, 'certify.yaml');
    expect(matrix.scenarios).toEqual(['idle', 'accept', 'refuse']);
    expect(matrix.checks).toContain('consent.no-personal-data-before-choice');
    expect(matrix.configurations[0]).toEqual({
      name: 'default',
      options: { init: { require_consent: true } },
      positiveControl: false,
    });
  });

  it.each([
    [valid.replace('positiveControl: true', 'positiveControl: false'), 'configurations: no configuration is a positive control'],
    [
      valid.replace("versions: ['26.1.1']", "versions: ['^26.1.1']"),
      'sdk.versions[0]: an exact version such as 26.1.1, not a range',
    ],
    [valid.replace('name: default', 'name: control'), 'configurations: the name "control" is used twice'],
    [`${valid}checks: [consent.no-personal-data-before-choise]\n`, 'did you mean "consent.no-personal-data-before-choice"?'],
    [`${valid}scenario: [idle]\n`, 'unknown key "scenario" (did you mean "scenarios"?)'],
    [valid.replace('package: countly-sdk-web', 'package: "../evil"'), 'sdk.package: an npm package name'],
    [valid.replace('name: default', 'name: ../up'), 'configurations[0].name: use letters'],
  ])('refuses a bad matrix with a line naming the file and key (%#)', (text, expected) => {
    expect(() => parseCertifyMatrix(text, 'certify.yaml')).toThrow(expected);
    try {
      parseCertifyMatrix(text, 'certify.yaml');
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONF_USAGE' });
      expect((error as Error).message).toContain('certify.yaml: ');
    }
  });

  it('the published schema/certify.schema.json is what the zod schema generates (run npm run schemas after changing it)', () => {
    const file = join(import.meta.dirname, '..', 'schema', 'certify.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(certifyMatrixJsonSchema());
  });
});
