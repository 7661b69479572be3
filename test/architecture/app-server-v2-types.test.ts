/**
 * One source for the app-server v2 shapes: src/protocol/app-server-v2.ts is generated from Codex's
 * JSON Schema by scripts/app-server-v2-types.ts. Generated again here, in memory, it must match the
 * file byte for byte (the test never writes it: regenerate with the script and review the change).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  codexDefinitions,
  extendedDefinitions,
  generateAppServerV2Types,
  TYPES_FILE,
} from '../../scripts/app-server-v2-types.js';

describe('the app-server v2 types', () => {
  it('are what the JSON Schema generates', async () => {
    const generated = await generateAppServerV2Types();
    const committed = fs.readFileSync(TYPES_FILE, 'utf8');
    expect(generated.length).toBeGreaterThan(10_000);
    // Not toEqual on 100 kB of text: say where they part.
    const at = [...committed].findIndex((char, i) => char !== generated[i]);
    expect(
      committed === generated ? 'same' : `differs at ${at}: ${JSON.stringify(committed.slice(at, at + 120))}`,
      'run `npx tsx scripts/app-server-v2-types.ts` and review the change',
    ).toBe('same');
  }, 60_000);

  it("carry Spool's extensions beside Codex's fields, never instead of one", () => {
    const extended = extendedDefinitions(codexDefinitions());
    const usage = extended.ThreadTokenUsage as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(usage.properties)).toEqual(expect.arrayContaining(['total', 'last', 'cost']));
    expect(usage.required).not.toContain('cost');
    // An extension naming a property Codex's schema has is refused.
    const clash = codexDefinitions();
    (clash.ThreadTokenUsage as { properties: Record<string, unknown> }).properties.cost = { type: 'number' };
    expect(() => extendedDefinitions(clash)).toThrow(/ThreadTokenUsage: Codex's schema already has cost/);
    // So is one of an object the schema does not have.
    const gone = codexDefinitions();
    delete gone.ThreadTokenUsage;
    expect(() => extendedDefinitions(gone)).toThrow(
      /extensions of what the schema does not have: ThreadTokenUsage/,
    );
  });
});
