/**
 * The first command of every process used to stall: after the first parse, V8 recompiled the bash
 * grammar's lexer (one ~160 KB WebAssembly function) with TurboFan and held the main thread until
 * it was done — 0.5 s idle, seconds under load — so the command's exit and the next request waited
 * (issue 13, item 15). The cause, not a wall time, is asserted: a process that loads the parser
 * the way Spool does and parses many commands compiles none of its code with TurboFan.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/spool-bin.js';

// The module built as the CLI's bundle builds it, run by plain node: a loader (tsx) would bring
// WebAssembly of its own. Written inside the checkout so that its dependencies resolve.
const cacheDir = path.join(ROOT, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const builtDir = mkdtempSync(path.join(cacheDir, 'bash-parser-'));
const built = path.join(builtDir, 'bash-parser.mjs');
afterAll(() => rmSync(builtDir, { recursive: true, force: true }));
buildSync({
  entryPoints: [path.join(ROOT, 'src/sandbox/bash-parser.ts')],
  outfile: built,
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['web-tree-sitter', 'tree-sitter-bash'],
  logLevel: 'error',
});
const SCRIPT = `
const parser = await import(${JSON.stringify(built)});
parser.preloadBashParser();
for (let i = 0; i < 300; i++) {
  await parser.parseBash('ls -la | grep "x" && cd /tmp && for f in *; do echo "$f" > out.$i; done');
}
// Before the fix the tier-up ran here and blocked this timer until it finished.
await new Promise((resolve) => setTimeout(resolve, 200));
`;

describe('bash parser start-up', () => {
  it('keeps the grammar on baseline code: nothing is recompiled with TurboFan on the main path', () => {
    const run = spawnSync(
      process.execPath,
      ['--trace-wasm-compilation-times', '--input-type=module', '-e', SCRIPT],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(run.status, run.stderr).toBe(0);
    const trace = run.stdout + run.stderr;
    // The trace works (baseline compiles are listed) …
    expect(trace).toMatch(/Compiled function \S+ using Liftoff/);
    // … and no function of the grammar went to the optimising compiler.
    expect(trace.split('\n').filter((line) => /using TurboFan/.test(line))).toEqual([]);
  }, 60_000);
});
