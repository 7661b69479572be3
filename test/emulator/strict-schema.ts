/**
 * The service's rules for a JSON Schema used in strict mode (structured outputs `strict: true`, and
 * function tools with `strict: true`), with its messages: the root is an object, every object is
 * closed with `additionalProperties: false` and lists every property in `required`, and keywords
 * outside the supported subset are refused. Written from OpenAI's structured-outputs guide and the
 * errors the service returns; independent of Spool's own preparation of schemas.
 */

type Json = Record<string, unknown>;

export interface SchemaProblem {
  /** Where, as the service prints it: a Python tuple of the path (`()` at the root). */
  context: string;
  message: string;
}

/** Keywords strict mode refuses wherever they appear. */
const NOT_PERMITTED = [
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
];

const MAX_DEPTH = 10;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `('properties', 'a')` — how the service writes a path. */
export function pythonTuple(path: readonly string[]): string {
  if (path.length === 0) return '()';
  const items = path.map((p) => `'${p}'`);
  return path.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

function isObjectSchema(node: Json): boolean {
  const type = node.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isObject(node.properties);
}

function check(node: unknown, path: string[], depth: number): SchemaProblem | undefined {
  const context = pythonTuple(path);
  if (!isObject(node)) return { context, message: 'schema must be a JSON Schema object.' };
  if (depth > MAX_DEPTH)
    return { context, message: `schema nesting exceeds the maximum of ${MAX_DEPTH} levels.` };
  for (const keyword of NOT_PERMITTED) {
    if (keyword in node) return { context, message: `'${keyword}' is not permitted.` };
  }
  if (isObjectSchema(node)) {
    if (node.additionalProperties !== false) {
      return { context, message: "'additionalProperties' is required to be supplied and to be false." };
    }
    const keys = isObject(node.properties) ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = keys.find((key) => !required.includes(key));
    if (missing !== undefined) {
      return {
        context,
        message: `'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`,
      };
    }
    const extra = required.find((key) => typeof key !== 'string' || !keys.includes(key));
    if (extra !== undefined) return { context, message: `Extra required key '${String(extra)}' supplied.` };
    for (const key of keys) {
      const problem = check((node.properties as Json)[key], [...path, 'properties', key], depth + 1);
      if (problem) return problem;
    }
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) return { context, message: "'items' must be a schema, not an array." };
    const problem = check(node.items, [...path, 'items'], depth + 1);
    if (problem) return problem;
  }
  if (node.anyOf !== undefined) {
    if (!Array.isArray(node.anyOf)) return { context, message: "'anyOf' must be an array." };
    for (const [i, sub] of node.anyOf.entries()) {
      const problem = check(sub, [...path, 'anyOf', String(i)], depth + 1);
      if (problem) return problem;
    }
  }
  for (const defs of ['$defs', 'definitions']) {
    const table = node[defs];
    if (!isObject(table)) continue;
    for (const [name, sub] of Object.entries(table)) {
      const problem = check(sub, [...path, defs, name], depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The first rule `schema` breaks as a strict schema, or undefined when it is accepted. */
export function strictSchemaProblem(schema: unknown): SchemaProblem | undefined {
  if (isObject(schema) && schema.type !== 'object') {
    return {
      context: '()',
      message: `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type ?? 'None')}"'.`,
    };
  }
  if (isObject(schema) && 'anyOf' in schema) {
    return { context: '()', message: "root schema must not use 'anyOf'; it must be of 'type: \"object\"'." };
  }
  return check(schema, [], 1);
}
