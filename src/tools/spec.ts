/**
 * Building tool specs and validating arguments from one zod schema, so the JSON Schema the model
 * sees and the validation the loop applies can never drift apart.
 */
import { type ZodType, z } from 'zod';
import type { ToolSpec } from '../protocol/tool-spec.js';
import type { ParseResult } from './types.js';

const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** Removes what zod adds but providers do not want: `$schema`, and the safe-integer bounds of `.int()`. */
function cleanSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(cleanSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if ((key === 'minimum' || key === 'maximum') && SAFE_INT_BOUNDS.has(value as number)) continue;
    out[key] = cleanSchema(value);
  }
  return out;
}

function jsonSchemaOf(schema: ZodType): Record<string, unknown> {
  return cleanSchema(z.toJSONSchema(schema, { target: 'draft-7', io: 'input' })) as Record<string, unknown>;
}

/**
 * The spec of a function tool. Its JSON Schema is made when first read (the request body reads it),
 * not when the tool is built: a thread builds every tool it answers, and the ones it does not
 * advertise (the other shell shapes) are never sent; zod's conversion is ~0.5 ms a tool at start-up.
 */
export function functionSpec(name: string, description: string, schema: ZodType): ToolSpec {
  let parameters: Record<string, unknown> | undefined;
  return {
    type: 'function',
    name,
    description,
    strict: false,
    get parameters() {
      parameters ??= jsonSchemaOf(schema);
      return parameters;
    },
  };
}

function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'arguments';
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
}

/**
 * Parses a function call's JSON arguments against `schema`, with an error message precise enough
 * for the model to correct itself (which field, what was expected).
 */
export function parseJsonArguments<S extends ZodType>(
  toolName: string,
  raw: string,
  schema: S,
): ParseResult<z.output<S>> {
  let value: unknown;
  try {
    value = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      error: `Invalid arguments for ${toolName}: not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's parameters.`,
    };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, args: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `missing required field "${describePath(issue.path)}" (expected ${issue.expected})`;
    }
    if (issue.code === 'unrecognized_keys') {
      return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `"${describePath(issue.path)}": ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  return { ok: false, error: `Invalid arguments for ${toolName}: ${problems.join('; ')}.` };
}
