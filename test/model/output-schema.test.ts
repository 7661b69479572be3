/** Preparing `--output-schema` for strict mode (pure): narrowing changes only, reported. */
import { describe, expect, it } from 'vitest';
import { prepareOutputSchema } from '../../src/model/output-schema.js';
import { strictSchemaProblem } from '../emulator/strict-schema.js';

describe('prepareOutputSchema', () => {
  it('closes objects and requires properties everywhere: nested, in arrays, anyOf and $defs', () => {
    const plan = prepareOutputSchema({
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'object', properties: { b: { type: 'string' } } }, { type: 'null' }] },
        list: { type: 'array', items: { $ref: '#/$defs/item' } },
      },
      $defs: { item: { type: 'object', properties: { id: { type: 'integer' } } } },
    });
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.outputSchema.strict).toBe(true);
    // What the service's strict rules check accepts it.
    expect(strictSchemaProblem(plan.outputSchema.schema)).toBeUndefined();
    expect(plan.notes.join('\n')).toMatch(/\$\.properties\.a\.anyOf\.0/);
    expect(plan.notes.join('\n')).toMatch(/\$\.\$defs\.item/);
  });

  it('leaves a schema that is already strict untouched, with nothing to say', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
    };
    expect(prepareOutputSchema(schema)).toEqual({
      ok: true,
      outputSchema: { schema, strict: true },
      notes: [],
    });
  });

  it.each([
    ['allOf', { type: 'object', allOf: [{ properties: { a: { type: 'string' } } }] }],
    ['open additionalProperties', { type: 'object', properties: {}, additionalProperties: true }],
    ['a boolean subschema', { type: 'object', properties: { a: true } }],
    ['oneOf', { type: 'object', properties: { a: { oneOf: [{ type: 'string' }, { type: 'number' }] } } }],
  ])('sends a schema with %s non-strict, unchanged, and says why', (_name, schema) => {
    const plan = prepareOutputSchema(schema);
    expect(plan).toMatchObject({ ok: true, outputSchema: { schema, strict: false } });
    expect(plan.ok && plan.notes[0]).toMatch(/cannot be enforced strictly/);
  });

  it.each([
    ['an array root', { type: 'array', items: {} }],
    ['an anyOf root', { type: 'object', anyOf: [] }],
    ['no type', { properties: {} }],
    ['not an object', [1, 2]],
  ])('refuses %s with the change to make', (_name, schema) => {
    const plan = prepareOutputSchema(schema);
    expect(plan.ok).toBe(false);
  });
});
