/**
 * The app-server's params schemas (zod, one per method) against Codex's v2 JSON Schema: the
 * params a Codex client may send are params Spool accepts. For each method Spool implements, its
 * zod schema (as JSON Schema, z.toJSONSchema) is compared with Codex's `<Method>Params`: every key
 * Codex requires is one Spool reads; Spool requires nothing Codex's clients may leave out; a key
 * Spool reads that Codex does not have is a documented extension; and for each key both have,
 * every JSON type and enum value Codex allows, Spool accepts.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { codexDefinitions } from '../../scripts/app-server-v2-types.js';
import { CommandProcesses, commandExecMethods } from '../../src/app-server/methods/command-exec.js';
import { fsMethods } from '../../src/app-server/methods/fs.js';
import { initializeMethods } from '../../src/app-server/methods/initialize.js';
import { modelConfigMethods } from '../../src/app-server/methods/models-config.js';
import { reviewMethods } from '../../src/app-server/methods/review.js';
import { skillsAndModesMethods } from '../../src/app-server/methods/skills-modes.js';
import { threadMethods } from '../../src/app-server/methods/threads.js';
import { turnMethods } from '../../src/app-server/methods/turns.js';
import { defineMethod, type MethodTable } from '../../src/app-server/router.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
};

const METHODS: MethodTable = {
  ...initializeMethods,
  ...threadMethods,
  ...turnMethods,
  ...reviewMethods,
  ...fsMethods,
  ...modelConfigMethods,
  ...skillsAndModesMethods,
  ...commandExecMethods(new CommandProcesses()),
};

/** Params Spool reads that Codex's bundle does not have, and why. */
const EXTENSIONS: Record<string, Record<string, string>> = {
  'thread/start': {
    media: "Spool's media thread (docs/media.md): its output folder, budget and brand guide",
  },
  'turn/start': {
    maxCostUsd: "Spool's spend cap for one turn (docs/cost.md)",
    maxTokens: "Spool's token cap for one turn",
    collaborationMode: "Codex's, experimental (not in the generated bundle)",
  },
};

/** Methods whose params Spool does not read at all, and why. */
const NOT_READ: Record<string, string> = {
  'collaborationMode/list': "Codex's, experimental: not in the bundle",
  'command/exec/write': 'stdin is not supported: answered with an error whatever the params',
  'command/exec/resize': 'PTYs are not supported: answered with an error whatever the params',
};

const definitions = codexDefinitions() as Record<string, Schema>;

function resolve(schema: Schema, defs: Record<string, Schema>): Schema {
  return schema.$ref ? resolve(defs[schema.$ref.split('/').pop()!] ?? {}, defs) : schema;
}

/** The JSON types a schema admits (`any` when it does not say), following refs and unions. */
function typesOf(schema: Schema, defs: Record<string, Schema>): Set<string> {
  const node = resolve(schema, defs);
  const out = new Set<string>();
  const union = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  for (const part of union) for (const type of typesOf(part, defs)) out.add(type);
  if (node.type) for (const type of [node.type].flat()) out.add(type === 'integer' ? 'number' : type);
  if (node.enum) for (const value of node.enum) out.add(value === null ? 'null' : typeof value);
  if (node.const !== undefined) out.add(node.const === null ? 'null' : typeof node.const);
  if (out.size === 0 && union.length === 0) out.add('any');
  return out;
}

/** The string values of an enum-valued schema (undefined when it is not one). */
function enumOf(schema: Schema, defs: Record<string, Schema>): Set<unknown> | undefined {
  const node = resolve(schema, defs);
  if (node.enum) return new Set(node.enum.filter((value) => value !== null));
  const parts = [...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const enums = parts.map(
    (part) => enumOf(part, defs) ?? (typesOf(part, defs).has('null') ? new Set() : undefined),
  );
  if (parts.length === 0 || enums.some((values) => values === undefined)) return undefined;
  return new Set(enums.flatMap((values) => [...values!]));
}

/** How Spool's params schema `spool` departs from Codex's `codex`; empty when it accepts Codex's params. */
function departures(
  method: string,
  spool: Schema,
  codex: Schema,
  extensions: Record<string, string> = {},
): string[] {
  const problems: string[] = [];
  const spoolDefs = (spool as { $defs?: Record<string, Schema> }).$defs ?? {};
  const spoolProps = spool.properties ?? {};
  const codexProps = codex.properties ?? {};
  for (const key of codex.required ?? [])
    if (!(key in spoolProps)) problems.push(`${method}: Codex requires ${key}, Spool does not read it`);
  for (const key of spool.required ?? [])
    if (!(codex.required ?? []).includes(key))
      problems.push(`${method}: Spool requires ${key}, which Codex's clients may leave out`);
  for (const key of Object.keys(spoolProps))
    if (!(key in codexProps) && !(key in extensions))
      problems.push(`${method}: Spool reads ${key}, which Codex's schema does not have (undocumented)`);
  if (spool.additionalProperties === false)
    for (const key of Object.keys(codexProps))
      if (!(key in spoolProps)) problems.push(`${method}: Spool refuses Codex's ${key} (strict object)`);
  for (const [key, codexProp] of Object.entries(codexProps)) {
    const spoolProp = spoolProps[key];
    if (!spoolProp) continue;
    const accepted = typesOf(spoolProp, spoolDefs);
    if (!accepted.has('any'))
      for (const type of typesOf(codexProp, definitions))
        if (type !== 'any' && !accepted.has(type))
          problems.push(`${method}.${key}: Codex allows ${type}, Spool does not accept it`);
    const spoolEnum = enumOf(spoolProp, spoolDefs);
    const codexEnum = enumOf(codexProp, definitions);
    if (spoolEnum && codexEnum)
      for (const value of codexEnum)
        if (!spoolEnum.has(value))
          problems.push(`${method}.${key}: Codex allows "${value}", Spool refuses it`);
  }
  return problems;
}

function codexParamsByMethod(): Record<string, string | undefined> {
  const requests = (definitions.ClientRequest as { oneOf: Schema[] }).oneOf;
  return Object.fromEntries(
    requests.map((request) => {
      const method = (request.properties!.method!.enum as string[])[0]!;
      return [method, request.properties!.params?.$ref?.split('/').pop()];
    }),
  );
}

function spoolJsonSchema(params: z.ZodType): Schema {
  return z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }) as Schema;
}

describe("the app-server's params against Codex's schema", () => {
  it("accept every method's params as Codex's clients send them", () => {
    const codexParams = codexParamsByMethod();
    const problems: string[] = [];
    let compared = 0;
    for (const [method, spec] of Object.entries(METHODS)) {
      if (method in NOT_READ) continue;
      const name = codexParams[method];
      if (!name) {
        problems.push(`${method}: not a method of Codex's schema (nor listed in NOT_READ)`);
        continue;
      }
      compared++;
      problems.push(
        ...departures(method, spoolJsonSchema(spec.params), definitions[name]!, EXTENSIONS[method]),
      );
    }
    expect(compared).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('reports a params schema that departs from Codex', () => {
    const codex = definitions.TurnInterruptParams!;
    const wrong = (params: z.ZodType) => departures('turn/interrupt', spoolJsonSchema(params), codex);
    expect(wrong(z.object({ threadId: z.string(), turnId: z.string() }))).toEqual([]);
    expect(wrong(z.object({ threadId: z.string() }))).toEqual([
      'turn/interrupt: Codex requires turnId, Spool does not read it',
    ]);
    expect(wrong(z.object({ threadId: z.string(), turnId: z.number() }))).toEqual([
      'turn/interrupt.turnId: Codex allows string, Spool does not accept it',
    ]);
    expect(wrong(z.object({ threadId: z.string(), turnId: z.string(), extra: z.string() }))).toEqual([
      "turn/interrupt: Spool requires extra, which Codex's clients may leave out",
      "turn/interrupt: Spool reads extra, which Codex's schema does not have (undocumented)",
    ]);
    const start = definitions.ThreadStartParams!;
    const sandbox = z.object({ sandbox: z.enum(['read-only', 'workspace-write']).nullish() });
    expect(departures('thread/start', spoolJsonSchema(sandbox), start)).toEqual([
      'thread/start.sandbox: Codex allows "danger-full-access", Spool refuses it',
    ]);
  });

  it("types each handler's answer by its method (a wrong answer does not compile: npm run typecheck)", () => {
    const table: MethodTable = {
      // @ts-expect-error thread/read answers a ThreadReadResponse (with its thread), not this
      'thread/read': defineMethod(z.object({}), () => ({ threads: [] })),
      'thread/archive': defineMethod(z.object({}), () => ({})),
    };
    expect(Object.keys(table)).toEqual(['thread/read', 'thread/archive']);
  });
});
