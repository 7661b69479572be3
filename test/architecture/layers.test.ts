/**
 * The layers of docs/architecture.md, enforced from one rules file (.dependency-cruiser.cjs): every
 * import of src/ points down, no two directories import each other, no module cycle, and a
 * forbidden import fails with a message naming the rule it breaks.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const LAYERS = (createRequire(import.meta.url)(RULES) as { LAYERS: Record<string, string[]> }).LAYERS;

/** `src/model/types.ts` → `model`; a top-level file is its own layer (`version.ts`). */
function layerOf(file: string): string | undefined {
  const match = /^src\/([^/]+)(\/|$)/.exec(file);
  return match?.[1];
}

function describeViolation(v: IViolation): string {
  const via = v.cycle?.length ? ` (cycle: ${v.cycle.map((step) => step.name).join(' → ')})` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${via}`;
}

describe('the layer rules', () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const options = await extractDepcruiseOptions(RULES);
      const tsConfig = extractTSConfig(path.join(ROOT, 'tsconfig.json'));
      const output = await cruise(['src'], { ...options, validate: true }, {}, { tsConfig });
      result = output.output as ICruiseResult;
    } finally {
      process.chdir(cwd);
    }
  }, 120_000);

  it('hold for every import of src/', () => {
    expect(result.summary.violations.map(describeViolation)).toEqual([]);
    // Type-only imports are checked too (they are how layers leak first).
    expect(
      result.modules.some((m) => m.dependencies.some((d) => d.dependencyTypes.includes('type-only'))),
    ).toBe(true);
  });

  it('give every directory of src/ a place', () => {
    const unknown = result.modules
      .map((m) => m.source)
      .filter((file) => file.startsWith('src/'))
      .filter((file) => !(layerOf(file)! in LAYERS));
    expect(unknown).toEqual([]);
  });

  it('leave no two directories importing each other, directly or through others', () => {
    const edges = new Map<string, Set<string>>();
    for (const m of result.modules) {
      const from = layerOf(m.source);
      if (!from) continue;
      for (const d of m.dependencies) {
        const to = layerOf(d.resolved);
        if (!to || to === from) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
    // The rules themselves allow no cycle either: an allowed edge never points back up.
    const allowedCycles: string[] = [];
    for (const [name, allowed] of Object.entries(LAYERS)) {
      for (const other of allowed) {
        if (LAYERS[other]?.includes(name) && !allowedCycles.includes(`${other} ↔ ${name}`))
          allowedCycles.push(`${name} ↔ ${other}`);
      }
    }
    expect(allowedCycles).toEqual([]);
  });
});

describe('a forbidden import', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    fs.copyFileSync(RULES, path.join(dir, '.dependency-cruiser.cjs'));
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    // The model layer reaching up into tools: what the rules exist to stop.
    write('src/tools/handler.ts', 'export interface Handler {\n  name: string;\n}\n');
    write(
      'src/model/client.ts',
      "import type { Handler } from '../tools/handler.js';\n\nexport const names = (hs: Handler[]) => hs.map((h) => h.name);\n",
    );
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails the check with a message naming the rule', async () => {
    const failure = await run(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs'], { cwd: dir }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('layers-model');
    expect(failure?.stdout).toContain('src/model/client.ts → src/tools/handler.ts');
  }, 120_000);
});
