import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeInputSchema } from '../../src/tools/mcp/schema.js';

type Schema = Record<string, unknown>;

/** Every problem strict providers report about a parameters schema (empty when it is clean). */
function strictProblems(schema: unknown, at = '$', problems: string[] = []): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    problems.push(`${at}: not a schema object`);
    return problems;
  }
  const node = schema as Schema;
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (types.includes('array') && node.items === undefined) problems.push(`${at}: array without items`);
  if (types.includes('object') && node.properties === undefined)
    problems.push(`${at}: object without properties`);
  for (const key of ['$schema', '$id', 'oneOf', 'not', 'if', 'examples', 'patternProperties', 'title']) {
    if (key in node) problems.push(`${at}: unsupported ${key}`);
  }
  if (typeof node.exclusiveMinimum === 'boolean') problems.push(`${at}: boolean exclusiveMinimum`);
  if (node.required !== undefined) {
    if (!Array.isArray(node.required)) problems.push(`${at}: required is not a list`);
    else {
      const props = (node.properties ?? {}) as Schema;
      for (const name of node.required)
        if (!(name in props)) problems.push(`${at}: required ${name} undeclared`);
    }
  }
  for (const [key, child] of Object.entries((node.properties ?? {}) as Schema)) {
    strictProblems(child, `${at}.${key}`, problems);
  }
  if (node.items !== undefined) strictProblems(node.items, `${at}[]`, problems);
  for (const key of ['anyOf', 'allOf'] as const) {
    const branches = Array.isArray(node[key]) ? (node[key] as unknown[]) : [];
    for (const [i, branch] of branches.entries()) strictProblems(branch, `${at}.${key}[${i}]`, problems);
  }
  return problems;
}

function rootProblems(schema: Schema): string[] {
  const problems = strictProblems(schema);
  if (schema.type !== 'object') problems.push('root is not type object');
  for (const key of ['anyOf', 'allOf', 'enum', '$ref']) if (key in schema) problems.push(`root has ${key}`);
  return problems;
}

/** Schemas as real MCP servers have sent them. */
const REAL_WORLD: Record<string, unknown> = {
  // @modelcontextprotocol/server-filesystem (zod-to-json-schema): fine apart from `$schema`.
  filesystem_read: {
    type: 'object',
    properties: {
      path: { type: 'string' },
      tail: { description: 'If provided, returns only the last N lines of the file', type: 'number' },
    },
    required: ['path'],
    $schema: 'http://json-schema.org/draft-07/schema#',
  },
  // A hand-written schema: arrays without items, objects without properties.
  untyped_containers: {
    type: 'object',
    properties: { labels: { type: 'array', description: 'Labels' }, extra: { type: 'object' } },
  },
  // Draft 4 / draft 3 habits: boolean exclusiveMinimum, `required: true` on a property, no root type.
  draft4: {
    $schema: 'http://json-schema.org/draft-04/schema#',
    id: 'urn:x',
    properties: {
      count: { type: 'integer', minimum: 0, exclusiveMinimum: true, required: true },
      name: { type: 'string', title: 'Name' },
    },
    required: ['name', 'missing'],
  },
  // zod-to-json-schema with a name: the root is a reference.
  root_ref: {
    $ref: '#/definitions/Args',
    definitions: {
      Args: {
        type: 'object',
        properties: { q: { type: 'string' } },
        required: ['q'],
        additionalProperties: false,
      },
    },
    $schema: 'http://json-schema.org/draft-07/schema#',
  },
  // A discriminated union at the root (zod `z.union` of objects).
  root_union: {
    anyOf: [
      {
        type: 'object',
        properties: { kind: { const: 'a' }, a: { type: 'string' } },
        required: ['kind', 'a'],
      },
      {
        type: 'object',
        properties: { kind: { const: 'b' }, b: { type: 'number' } },
        required: ['kind', 'b'],
      },
    ],
  },
  // OpenAPI habits, other languages' type names, oneOf, not, examples, tuples.
  openapi_style: {
    type: ['object', 'null'],
    properties: {
      maybe: { type: 'string', nullable: true, examples: ['x'] },
      count: { type: 'int' },
      whatever: { type: 'any', description: 'Anything.' },
      choice: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
      not_this: { not: { type: 'null' }, type: 'string' },
      remote: { $ref: 'https://example.com/schema.json' },
      anything: true,
      nothing: false,
    },
  },
};

describe('MCP input schema sanitising', () => {
  it.each(Object.entries(REAL_WORLD))('leaves nothing a strict provider rejects: %s', (_name, schema) => {
    expect(rootProblems(sanitizeInputSchema(schema))).toEqual([]);
  });

  it('keeps what a clean schema says, in canonical key order', () => {
    expect(JSON.stringify(sanitizeInputSchema(REAL_WORLD.filesystem_read))).toBe(
      JSON.stringify({
        type: 'object',
        properties: {
          path: { type: 'string' },
          tail: { type: 'number', description: 'If provided, returns only the last N lines of the file' },
        },
        required: ['path'],
      }),
    );
  });

  it('adds missing items and properties', () => {
    expect(sanitizeInputSchema(REAL_WORLD.untyped_containers)).toEqual({
      type: 'object',
      properties: {
        extra: { type: 'object', properties: {} },
        labels: { type: 'array', description: 'Labels', items: {} },
      },
    });
  });

  it('translates draft-4 and draft-3 habits', () => {
    expect(sanitizeInputSchema(REAL_WORLD.draft4)).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer', exclusiveMinimum: 0 },
        name: { type: 'string', description: 'Name' },
      },
      required: ['count', 'name'],
    });
  });

  it('inlines a root reference and merges a root union of objects', () => {
    expect(sanitizeInputSchema(REAL_WORLD.root_ref)).toEqual({
      type: 'object',
      properties: { q: { type: 'string' } },
      required: ['q'],
      additionalProperties: false,
      definitions: {
        Args: {
          type: 'object',
          properties: { q: { type: 'string' } },
          required: ['q'],
          additionalProperties: false,
        },
      },
    });
    expect(sanitizeInputSchema(REAL_WORLD.root_union)).toEqual({
      type: 'object',
      properties: {
        a: { type: 'string' },
        b: { type: 'number' },
        kind: { type: 'string', const: 'a' },
      },
      required: ['kind'],
    });
  });

  it('maps foreign type names, nullable, oneOf and tuples; drops what it cannot express', () => {
    const props = sanitizeInputSchema(REAL_WORLD.openapi_style).properties as Schema;
    expect(props.maybe).toEqual({ type: ['string', 'null'] });
    expect(props.count).toEqual({ type: 'integer' });
    expect(props.whatever).toEqual({ description: 'Anything.' });
    expect(props.choice).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }] });
    expect(props.pair).toEqual({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } });
    expect(props.not_this).toEqual({ type: 'string' });
    expect(props.remote).toEqual({});
    expect(props.anything).toEqual({});
    expect('nothing' in props).toBe(false);
  });

  it('gives a tool without a usable schema an empty object', () => {
    for (const schema of [undefined, null, 'object', [], { type: 'string' }]) {
      expect(sanitizeInputSchema(schema)).toEqual({ type: 'object', properties: {} });
    }
  });

  // Arbitrary JSON-ish schemas: the invariants hold for whatever a server sends.
  const schemaArb = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(true, false, null, 'string', 3),
      fc.record(
        {
          type: fc.oneof(
            fc.constantFrom(
              'object',
              'array',
              'string',
              'integer',
              'number',
              'boolean',
              'null',
              'int',
              'any',
              'dict',
            ),
            fc.array(fc.constantFrom('object', 'string', 'null'), { maxLength: 3 }),
          ),
          properties: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'path', 'x y'), tie('node'), {
            maxKeys: 4,
          }),
          required: fc.oneof(fc.array(fc.constantFrom('a', 'b', 'z'), { maxLength: 3 }), fc.boolean()),
          items: fc.oneof(tie('node'), fc.array(tie('node'), { maxLength: 2 })),
          anyOf: fc.array(tie('node'), { maxLength: 2 }),
          oneOf: fc.array(tie('node'), { maxLength: 2 }),
          enum: fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
          description: fc.string({ maxLength: 5 }),
          title: fc.string({ maxLength: 5 }),
          minimum: fc.integer(),
          exclusiveMinimum: fc.oneof(fc.boolean(), fc.integer()),
          nullable: fc.boolean(),
          $schema: fc.constant('http://json-schema.org/draft-07/schema#'),
          additionalProperties: fc.oneof(fc.boolean(), tie('node')),
        },
        { requiredKeys: [] },
      ),
    ),
  })).node;

  function shuffleKeys(value: unknown, seed: number): unknown {
    if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Schema).map(([k, v]) => [k, shuffleKeys(v, seed)] as const);
    entries.sort(
      (a, b) =>
        ((a[0].charCodeAt(0) * seed) % 7) - ((b[0].charCodeAt(0) * seed) % 7) || (a[0] < b[0] ? 1 : -1),
    );
    return Object.fromEntries(entries);
  }

  it('always yields a clean object root, byte-identical whatever the key order, and is idempotent', () => {
    fc.assert(
      fc.property(schemaArb, fc.integer({ min: 1, max: 13 }), (schema, seed) => {
        const clean = sanitizeInputSchema(schema);
        expect(rootProblems(clean)).toEqual([]);
        expect(JSON.stringify(sanitizeInputSchema(shuffleKeys(schema, seed)))).toBe(JSON.stringify(clean));
        expect(JSON.stringify(sanitizeInputSchema(clean))).toBe(JSON.stringify(clean));
      }),
      { numRuns: 300 },
    );
  });
});
