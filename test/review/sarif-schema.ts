/** The SARIF 2.1.0 JSON Schema (draft-04, vendored in fixtures/) as an ajv validator. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ajvDraft04 from 'ajv-draft-04';

// A CommonJS module: its class is both the module and its `default`.
const Ajv04 = ajvDraft04.default;

const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/sarif-2.1.0-rtm.5.json');

/** Problems of `log` against the schema (empty when it is valid SARIF 2.1.0). */
export function sarifProblems(log: unknown): string[] {
  // unicodeRegExp off: one of the schema's patterns (`language`) is not valid with the `u` flag.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  // The schema's three formats, checked (ajv ignores formats it does not know, with a warning).
  ajv.addFormat('date-time', (text: string) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text),
  );
  ajv.addFormat('uri', (text: string) => URL.canParse(text));
  ajv.addFormat('uri-reference', (text: string) => URL.canParse(text, 'file:///'));
  const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as object);
  if (validate(log)) return [];
  return (validate.errors ?? []).map(
    (e: { instancePath: string; message?: string }) => `${e.instancePath || '/'} ${e.message ?? ''}`,
  );
}
