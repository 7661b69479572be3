/**
 * MCP input schemas → tool parameters every provider accepts.
 *
 * MCP servers send whatever JSON Schema their framework produced: draft-4 booleans, `required: true`
 * on properties, arrays without `items`, objects without `properties`, unions at the root, type
 * names from other languages, `$schema` and friends. Strict providers reject a whole request over
 * one such tool, so every schema is rewritten into a conservative subset:
 *
 * - the root is an object with `properties` (a root union of objects is merged into one object);
 * - objects get `properties` (`{}` when missing), `required` keeps only declared properties (sorted,
 *   without duplicates) and gains properties marked `required: true` the draft-3 way;
 * - arrays get `items` (`{}` when missing; tuple `items: [...]` become `anyOf`);
 * - a missing `type` is inferred from the keywords present; type aliases (`int`, `str`, `dict`, …)
 *   are mapped, unknown ones dropped; `nullable: true` becomes a `null` type;
 * - `oneOf` becomes `anyOf`; draft-4 boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers;
 * - keywords outside an allow-list are dropped (`$schema`, `$id`, `title`, `examples`, `not`,
 *   `if`/`then`/`else`, `patternProperties`, …); `title` moves into a missing `description`;
 * - output keys come in a fixed order and property names are sorted, so the bytes depend only on
 *   the schema's content, never on the order a server happened to emit it in.
 */

type Json = unknown;
type Schema = Record<string, Json>;

/** Kept keywords, in the order they are written. */
const KEYWORD_ORDER = [
  'type',
  'description',
  'enum',
  'const',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'anyOf',
  'allOf',
  '$ref',
  'default',
  '$defs',
  'definitions',
] as const;

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const TYPE_ALIASES: Record<string, string> = {
  int: 'integer',
  long: 'integer',
  float: 'number',
  double: 'number',
  decimal: 'number',
  str: 'string',
  text: 'string',
  bool: 'boolean',
  dict: 'object',
  map: 'object',
  list: 'array',
  tuple: 'array',
};
/** Deeper than this, a schema is accepted as anything (`{}`): no real tool nests so deep. */
const MAX_DEPTH = 32;

function isObject(value: Json): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sortedKeys(record: Schema): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function normaliseTypes(value: Json): string[] {
  const raw = Array.isArray(value) ? value : [value];
  const types: string[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'string') continue;
    const lower = entry.toLowerCase();
    const type = JSON_TYPES.has(lower) ? lower : TYPE_ALIASES[lower];
    if (type && !types.includes(type)) types.push(type);
  }
  return types;
}

function typeOfValue(value: Json): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return undefined;
}

/** The type a schema without one evidently means, if its keywords say. */
function inferTypes(schema: Schema): string[] {
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return ['object'];
  if ('items' in schema || 'minItems' in schema || 'maxItems' in schema) return ['array'];
  const values = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined;
  if (values && values.length > 0) {
    const types = [...new Set(values.map(typeOfValue))];
    if (types.length === 1 && types[0]) return [types[0] === 'integer' ? 'number' : types[0]];
    return [];
  }
  if ('format' in schema || 'pattern' in schema || 'minLength' in schema || 'maxLength' in schema) {
    return ['string'];
  }
  if ('minimum' in schema || 'maximum' in schema || 'multipleOf' in schema) return ['number'];
  return [];
}

function numberOrUndefined(value: Json): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function nonNegativeInteger(value: Json): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function writeOrdered(fields: Map<string, Json>): Schema {
  const out: Schema = {};
  for (const key of KEYWORD_ORDER) {
    const value = fields.get(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function sanitizeMap(value: Json, depth: number): Schema | undefined {
  if (!isObject(value)) return undefined;
  const out: Schema = {};
  for (const key of sortedKeys(value)) {
    const child = sanitizeNode(value[key], depth + 1);
    if (child !== undefined) out[key] = child;
  }
  return out;
}

function sanitizeList(value: Json, depth: number): Schema[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map((child) => sanitizeNode(child, depth + 1)).filter((child) => child !== undefined);
  return out.length > 0 ? out : undefined;
}

/**
 * One schema node. Returns undefined for `false` (nothing is allowed: the property is dropped);
 * `true`, non-objects and over-deep nodes become `{}` (anything).
 */
function sanitizeNode(node: Json, depth: number): Schema | undefined {
  if (node === false) return undefined;
  if (!isObject(node) || depth > MAX_DEPTH) return {};
  const fields = new Map<string, Json>();

  let types = 'type' in node ? normaliseTypes(node.type) : [];
  if (types.length === 0) types = inferTypes(node);
  if (node.nullable === true && types.length > 0 && !types.includes('null')) types.push('null');
  if (types.length === 1) fields.set('type', types[0]);
  else if (types.length > 1) fields.set('type', types);

  const description =
    typeof node.description === 'string'
      ? node.description
      : typeof node.title === 'string'
        ? node.title
        : undefined;
  if (description !== undefined && description !== '') fields.set('description', description);

  if (Array.isArray(node.enum) && node.enum.length > 0) fields.set('enum', node.enum);
  if ('const' in node && node.const !== undefined) fields.set('const', node.const);
  if ('default' in node && node.default !== undefined) fields.set('default', node.default);
  for (const key of ['format', 'pattern'] as const) {
    if (typeof node[key] === 'string') fields.set(key, node[key]);
  }
  for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const value = nonNegativeInteger(node[key]);
    if (value !== undefined) fields.set(key, value);
  }
  for (const key of ['minimum', 'maximum', 'multipleOf']) {
    const value = numberOrUndefined(node[key]);
    if (value !== undefined) fields.set(key, value);
  }
  if (typeof node.uniqueItems === 'boolean') fields.set('uniqueItems', node.uniqueItems);
  // Draft 4: `exclusiveMinimum: true` qualifies `minimum`; later drafts carry the bound itself.
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = node[exclusive];
    if (typeof value === 'number' && Number.isFinite(value)) fields.set(exclusive, value);
    else if (value === true && fields.has(bound)) {
      fields.set(exclusive, fields.get(bound));
      fields.delete(bound);
    }
  }

  const isObjectType = types.includes('object');
  const isArrayType = types.includes('array');

  if (isObjectType || 'properties' in node) {
    const { properties, required } = sanitizeProperties(node, depth);
    fields.set('properties', properties);
    if (required.length > 0) fields.set('required', required);
    const additional = node.additionalProperties;
    if (typeof additional === 'boolean') fields.set('additionalProperties', additional);
    else if (isObject(additional))
      fields.set('additionalProperties', sanitizeNode(additional, depth + 1) ?? {});
  }

  if (isArrayType || 'items' in node) {
    const items = node.items;
    if (Array.isArray(items)) {
      const tuple = sanitizeList(items, depth);
      fields.set('items', tuple === undefined ? {} : tuple.length === 1 ? tuple[0] : { anyOf: tuple });
    } else {
      fields.set('items', items === undefined ? {} : (sanitizeNode(items, depth + 1) ?? {}));
    }
  }

  const anyOf = sanitizeList(node.anyOf, depth);
  const oneOf = sanitizeList(node.oneOf, depth);
  const allOf = sanitizeList(node.allOf, depth) ?? [];
  // `oneOf` becomes `anyOf` (what providers support); with both present, it joins `allOf`.
  if (anyOf && oneOf) allOf.push({ anyOf: oneOf });
  if (anyOf ?? oneOf) fields.set('anyOf', anyOf ?? oneOf);
  if (allOf.length > 0) fields.set('allOf', allOf);

  // Local references only: a remote `$ref` cannot be resolved by the provider.
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) fields.set('$ref', node.$ref);
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = sanitizeMap(node[key], depth);
    if (defs && Object.keys(defs).length > 0) fields.set(key, defs);
  }
  return writeOrdered(fields);
}

function sanitizeProperties(node: Schema, depth: number): { properties: Schema; required: string[] } {
  const properties: Schema = {};
  const required = new Set<string>();
  const source = isObject(node.properties) ? node.properties : {};
  for (const key of sortedKeys(source)) {
    const raw = source[key];
    const child = sanitizeNode(raw, depth + 1);
    if (child === undefined) continue;
    properties[key] = child;
    // Draft 3 marked required properties on the property itself.
    if (isObject(raw) && raw.required === true) required.add(key);
  }
  if (Array.isArray(node.required)) {
    for (const name of node.required) {
      if (typeof name === 'string' && Object.hasOwn(properties, name)) required.add(name);
    }
  }
  return { properties, required: [...required].sort() };
}

/** A root union of objects as one object: every branch's properties, required where all require. */
function mergeObjectBranches(branches: Schema[]): Schema | undefined {
  if (branches.length === 0 || !branches.every((b) => isObject(b.properties))) return undefined;
  const properties: Schema = {};
  let required: Set<string> | undefined;
  for (const branch of branches) {
    const props = branch.properties as Schema;
    for (const key of Object.keys(props)) {
      if (!Object.hasOwn(properties, key)) properties[key] = props[key];
    }
    const own = new Set(Array.isArray(branch.required) ? (branch.required as string[]) : []);
    required = required ? new Set([...required].filter((k) => own.has(k))) : own;
  }
  return { type: 'object', properties, required: [...(required ?? [])] };
}

/** A root that is only a reference (`{"$ref": "#/definitions/Args", "definitions": {…}}`), inlined. */
function inlineRootRef(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const match = /^#\/(definitions|\$defs)\/([^/]+)$/.exec(ref);
  const defs = match ? schema[match[1]!] : undefined;
  const target = match && isObject(defs) ? defs[decodeURIComponent(match[2]!)] : undefined;
  if (!isObject(target)) return schema;
  const { $ref: _ref, ...rest } = schema;
  return { ...rest, ...target };
}

/** A root `allOf` of objects folded into the root: properties joined, every branch's required kept. */
function foldRootAllOf(schema: Schema): Schema {
  if (!Array.isArray(schema.allOf) || !schema.allOf.every((b) => isObject(b) && isObject(b.properties))) {
    return schema;
  }
  const properties: Schema = { ...(isObject(schema.properties) ? schema.properties : {}) };
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  for (const branch of schema.allOf as Schema[]) {
    for (const [key, value] of Object.entries(branch.properties as Schema)) {
      if (!Object.hasOwn(properties, key)) properties[key] = value;
    }
    for (const name of Array.isArray(branch.required) ? branch.required : []) required.add(name as string);
  }
  const { allOf: _allOf, ...rest } = schema;
  return { ...rest, type: 'object', properties, required: [...required] };
}

/** Keywords a provider refuses at the root of tool parameters (the root must be a plain object). */
const ROOT_FORBIDDEN = ['anyOf', 'allOf', 'enum', 'const', '$ref'];

/** Sanitises a tool's `inputSchema` into the parameters sent to the model. */
export function sanitizeInputSchema(schema: Json): Schema {
  if (!isObject(schema)) return { type: 'object', properties: {} };
  let root = foldRootAllOf(inlineRootRef(schema));
  const description = typeof root.description === 'string' ? { description: root.description } : {};
  const rootTypes = normaliseTypes(root.type);
  if (!rootTypes.includes('object') && !('properties' in root)) {
    const branches = [root.anyOf, root.oneOf].find(Array.isArray) as Json[] | undefined;
    const merged = branches ? mergeObjectBranches(branches.filter(isObject)) : undefined;
    const defs = Object.fromEntries(
      (['$defs', 'definitions'] as const).filter((k) => k in root).map((k) => [k, root[k]]),
    );
    root = { ...(merged ?? { type: 'object', properties: {} }), ...description, ...defs };
  } else if (!rootTypes.includes('object') || rootTypes.length > 1) {
    // Arguments are always one JSON object: a root that also allows `null` or others is narrowed.
    root = { ...root, type: 'object' };
  }
  // `nullable` would re-widen the root: arguments are never null.
  const { nullable: _nullable, ...nonNull } = root;
  const sanitized = sanitizeNode(nonNull, 0) ?? { type: 'object', properties: {} };
  for (const key of ROOT_FORBIDDEN) delete sanitized[key];
  return sanitized;
}
