/**
 * `--output-schema` (and the app-server's `outputSchema`) before it is sent: OpenAI's structured
 * outputs in strict mode take a subset of JSON Schema — every object closed with
 * `additionalProperties: false`, every property listed in `required`, no `allOf`/`not`/`if`… — and
 * answer anything else with a bare `invalid_json_schema` 400. Pure.
 *
 * A schema is made strict-compatible only by changes that narrow it (every answer valid under the
 * result is valid under the user's schema): closing objects that left `additionalProperties` out,
 * and requiring optional properties. Those changes are reported. A schema that cannot be made
 * strict that way (it allows extra properties on purpose, or uses keywords strict mode does not
 * take) is sent non-strict, with a warning; one the API cannot take at all (a root that is not an
 * object) is refused with the change to make.
 */

import type { OutputSchema } from '../protocol/settings.js';

type OutputSchemaPlan =
  | { ok: true; outputSchema: OutputSchema; notes: string[] }
  | { ok: false; error: string };

/** Keywords strict mode does not accept anywhere in the schema. */
const UNSUPPORTED = [
  'allOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'prefixItems',
] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A JSON pointer-ish location for messages: `$`, `$.properties.a.items`. */
function where(path: readonly string[]): string {
  return path.length === 0 ? 'the root' : `$.${path.join('.')}`;
}

function describesObject(node: Json): boolean {
  const type = node.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isObject(node.properties);
}

interface Walk {
  closed: string[];
  required: string[];
  /** Why strict mode cannot take the schema (first reason found). */
  blocker?: string;
}

/** Returns the strict-compatible copy of `node`, recording what changed or what blocks it. */
function strictCopy(node: unknown, path: string[], walk: Walk): unknown {
  if (!isObject(node)) {
    if (typeof node === 'boolean') walk.blocker ??= `${where(path)} is the schema \`${node}\``;
    return node;
  }
  const out: Json = { ...node };
  for (const keyword of UNSUPPORTED) {
    if (keyword in node) walk.blocker ??= `${where(path)} uses \`${keyword}\``;
  }
  if (Array.isArray(node.items)) walk.blocker ??= `${where(path)} lists \`items\` as a tuple`;
  if (describesObject(node)) {
    const properties = isObject(node.properties) ? node.properties : {};
    const keys = Object.keys(properties);
    if (node.additionalProperties === undefined) {
      out.additionalProperties = false;
      walk.closed.push(where(path));
    } else if (node.additionalProperties !== false) {
      walk.blocker ??= `${where(path)} allows properties it does not list (additionalProperties)`;
    }
    const required = Array.isArray(node.required) ? node.required.filter((k) => typeof k === 'string') : [];
    const missing = keys.filter((key) => !required.includes(key));
    if (missing.length > 0) {
      out.required = [...required, ...missing];
      walk.required.push(...missing.map((key) => `${where([...path, 'properties', key])}`));
    }
    if (isObject(node.properties)) {
      out.properties = Object.fromEntries(
        keys.map((key) => [key, strictCopy(properties[key], [...path, 'properties', key], walk)]),
      );
    }
  }
  if (isObject(node.items)) out.items = strictCopy(node.items, [...path, 'items'], walk);
  if (Array.isArray(node.anyOf)) {
    out.anyOf = node.anyOf.map((sub, i) => strictCopy(sub, [...path, 'anyOf', String(i)], walk));
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    const table = node[defs];
    if (isObject(table)) {
      out[defs] = Object.fromEntries(
        Object.entries(table).map(([name, sub]) => [name, strictCopy(sub, [...path, defs, name], walk)]),
      );
    }
  }
  return out;
}

export function prepareOutputSchema(schema: unknown): OutputSchemaPlan {
  if (!isObject(schema))
    return { ok: false, error: 'the output schema must be a JSON object (a JSON Schema)' };
  if (schema.type !== 'object' || 'anyOf' in schema) {
    const found = 'anyOf' in schema ? '`anyOf`' : `type ${JSON.stringify(schema.type ?? null)}`;
    return {
      ok: false,
      error:
        `the output schema's root must be {"type": "object", …} (OpenAI requires an object at the root), not ${found}. ` +
        'Wrap it: {"type": "object", "properties": {"result": <your schema>}, "required": ["result"], "additionalProperties": false}.',
    };
  }
  const walk: Walk = { closed: [], required: [] };
  const copy = strictCopy(schema, [], walk) as Json;
  if (walk.blocker) {
    return {
      ok: true,
      outputSchema: { schema, strict: false },
      notes: [
        `the output schema cannot be enforced strictly (${walk.blocker}), so it is sent as a guide the model is asked to follow, not a constraint.`,
      ],
    };
  }
  const notes: string[] = [];
  if (walk.closed.length > 0) {
    notes.push(
      `the output schema was closed for strict mode: additionalProperties: false added at ${walk.closed.join(', ')}.`,
    );
  }
  if (walk.required.length > 0) {
    notes.push(
      `strict mode requires every property: optional ${walk.required.join(', ')} ${walk.required.length === 1 ? 'is' : 'are'} now required.`,
    );
  }
  return { ok: true, outputSchema: { schema: copy, strict: true }, notes };
}
