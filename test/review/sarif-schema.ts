/** The SARIF 2.1.0 JSON Schema (draft-04, vendored in fixtures/) as an ajv validator. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv04 from 'ajv-draft-04';

const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/sarif-2.1.0-rtm.5.json');

/** Problems of `log` against the schema (empty when it is valid SARIF 2.1.0). */
export function sarifProblems(log: unknown): string[] {
  // unicodeRegExp off: one of the schema's patterns (`language`) is not valid with the `u` flag.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
