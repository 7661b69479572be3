import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../../src/tools/registry.js';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';

function fakeTool(name: string): ToolHandler<{ n: number }> {
  const schema = z.object({ n: z.number().int().describe('a number') });
  return {
    name,
    spec: functionSpec(name, `tool ${name}`, schema),
    parallel: true,
    parse: (raw) => parseJsonArguments(name, raw, schema),
    run: async (args) => ({ output: String(args.n), success: true }),
  };
}

describe('ToolRegistry', () => {
  it('lists tools sorted by name, identically every time', () => {
    const registry = new ToolRegistry([fakeTool('zeta'), fakeTool('alpha'), fakeTool('mid')]);
    expect(registry.specs.map((s) => s.name)).toEqual(['alpha', 'mid', 'zeta']);
    const again = new ToolRegistry([fakeTool('mid'), fakeTool('zeta'), fakeTool('alpha')]);
    expect(JSON.stringify(again.specs)).toBe(JSON.stringify(registry.specs));
  });

  it('rejects duplicate names', () => {
    expect(() => new ToolRegistry([fakeTool('a'), fakeTool('a')])).toThrow(/duplicate tool name: a/);
  });

  it('derives a clean JSON schema from zod', () => {
    const spec = fakeTool('t').spec;
    expect(spec).toEqual({
      type: 'function',
      name: 't',
      description: 'tool t',
      strict: false,
      parameters: {
        type: 'object',
        properties: { n: { type: 'integer', description: 'a number' } },
        required: ['n'],
      },
    });
  });

  it('turns unknown tools and bad arguments into messages for the model', () => {
    const registry = new ToolRegistry([fakeTool('count')]);
    const unknown = registry.resolve({ type: 'function_call', name: 'nope', arguments: '{}', call_id: 'c1' });
    expect(unknown).toEqual({ ok: false, error: 'Unknown tool "nope". Available tools: count.' });

    const badJson = registry.resolve({
      type: 'function_call',
      name: 'count',
      arguments: '{"n":',
      call_id: 'c2',
    });
    expect(badJson.ok).toBe(false);
    expect(!badJson.ok && badJson.error).toMatch(/^Invalid arguments for count: not valid JSON/);

    const missing = registry.resolve({
      type: 'function_call',
      name: 'count',
      arguments: '{}',
      call_id: 'c3',
    });
    expect(!missing.ok && missing.error).toBe(
      'Invalid arguments for count: missing required field "n" (expected number).',
    );

    const wrongType = registry.resolve({
      type: 'function_call',
      name: 'count',
      arguments: '{"n":"x"}',
      call_id: 'c4',
    });
    expect(!wrongType.ok && wrongType.error).toBe(
      'Invalid arguments for count: "n": expected number, received string.',
    );

    const good = registry.resolve({
      type: 'function_call',
      name: 'count',
      arguments: '{"n":3}',
      call_id: 'c5',
    });
    expect(good.ok && good.args).toEqual({ n: 3 });
  });
});
