// Writes the published JSON Schemas from the zod models in @conformance/core (build it first):
// packages/core/schema/suite.schema.json, packages/core/schema/waivers.schema.json,
// packages/report/schema/report.schema.json, summary.schema.json,
// packages/core/schema/certify.schema.json and packages/report/schema/certification.schema.json.
// Unit tests fail when a committed file differs from what this script would write.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  certificationJsonSchema,
  certifyMatrixJsonSchema,
  reportJsonSchema,
  suiteJsonSchema,
  summaryJsonSchema,
  waiverFileJsonSchema,
} from '../packages/core/dist/index.js';

const root = join(import.meta.dirname, '..');
const outputs = [
  [join(root, 'packages', 'core', 'schema', 'suite.schema.json'), suiteJsonSchema()],
  [join(root, 'packages', 'core', 'schema', 'waivers.schema.json'), waiverFileJsonSchema()],
  [join(root, 'packages', 'report', 'schema', 'report.schema.json'), reportJsonSchema()],
  [join(root, 'packages', 'report', 'schema', 'summary.schema.json'), summaryJsonSchema()],
  [join(root, 'packages', 'core', 'schema', 'certify.schema.json'), certifyMatrixJsonSchema()],
  [join(root, 'packages', 'report', 'schema', 'certification.schema.json'), certificationJsonSchema()],
];
for (const [file, schema] of outputs) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
