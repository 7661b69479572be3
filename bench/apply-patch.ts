/**
 * apply_patch benchmark: `npx tsx bench/apply-patch.ts`
 *
 * 1. One 1 MB file, one patch with 100 update chunks spread through it.
 * 2. One patch updating 1,000 small files.
 *
 * Each case is run several times on freshly written files; the median is printed, with baselines
 * measured in the same run (a plain read + write of the same files in place; for the many-files
 * case also read + write to a new file + rename, the least an atomic replace costs) and the ratios.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultSandboxPolicy } from '../src/protocol/policy.js';
import { buildWritePolicy } from '../src/sandbox/write-policy.js';
import { applyPatch } from '../src/tools/apply-patch/engine.js';
import { parsePatch } from '../src/tools/apply-patch/parser.js';
import { applyChunks } from '../src/tools/apply-patch/update.js';

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function bigFile(): { content: string; patch: string; lines: string[] } {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const line = `    const value_${i} = compute(${i}, "some text to make the line longer"); // ${i % 7}`;
    lines.push(line);
    size += line.length + 1;
  }
  const step = Math.floor(lines.length / 100);
  const chunks: string[] = [];
  for (let h = 0; h < 100; h++) {
    const at = h * step + Math.floor(step / 2);
    const context = (from: number, to: number) => lines.slice(from, to).map((l) => ` ${l}`);
    chunks.push(
      [
        '@@',
        ...context(at - 3, at),
        `-${lines[at]}`,
        `+${lines[at]?.replace('compute', 'computeFast')}`,
        `+    // hunk ${h}`,
        ...context(at + 1, at + 4),
      ].join('\n'),
    );
  }
  const patch = `*** Begin Patch\n*** Update File: big.ts\n${chunks.join('\n')}\n*** End Patch\n`;
  return { content: `${lines.join('\n')}\n`, patch, lines };
}

function smallFiles(): { files: Map<string, string>; patch: string } {
  const files = new Map<string, string>();
  const sections: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const rel = `pkg${Math.floor(i / 100)}/mod${i}.ts`;
    const body = Array.from({ length: 20 }, (_, j) => `export const v${j} = ${i * 100 + j};`);
    files.set(rel, `${body.join('\n')}\n`);
    sections.push(
      `*** Update File: ${rel}\n@@\n ${body[8]}\n ${body[9]}\n-${body[10]}\n+export const v10 = -1;\n ${body[11]}`,
    );
  }
  return { files, patch: `*** Begin Patch\n${sections.join('\n')}\n*** End Patch\n` };
}

async function main(): Promise<void> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-')));
  try {
    const policy = await buildWritePolicy(defaultSandboxPolicy('workspace-write'), {
      cwd: dir,
      spoolHome: path.join(dir, '.spool-home'),
    });

    // 1. One 1 MB file, 100 hunks.
    const big = bigFile();
    const bigPath = path.join(dir, 'big.ts');
    const engine: number[] = [];
    const baseline: number[] = [];
    const parse: number[] = [];
    const match: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await fs.writeFile(bigPath, big.content);
      baseline.push(
        await time(async () => {
          const text = await fs.readFile(bigPath, 'utf8');
          await fs.writeFile(bigPath, text);
        }),
      );
      let parsed: ReturnType<typeof parsePatch> | undefined;
      parse.push(
        await time(() => {
          parsed = parsePatch(big.patch);
        }),
      );
      const hunk = parsed?.ok ? parsed.value.hunks[0] : undefined;
      if (hunk?.type !== 'update') throw new Error('bench patch did not parse');
      match.push(
        await time(() => {
          applyChunks(big.content, hunk.chunks, 'big.ts');
        }),
      );
      engine.push(
        await time(async () => {
          const outcome = await applyPatch({ patch: big.patch, cwd: dir, policy });
          if (outcome.status !== 'applied') throw new Error(outcome.output);
        }),
      );
    }
    const bigResult = await fs.readFile(bigPath, 'utf8');
    if (!bigResult.includes('// hunk 99')) throw new Error('big patch not applied');
    const size = (Buffer.byteLength(big.content) / 1024 / 1024).toFixed(2);
    console.log(`1 MB file (${size} MB, ${big.lines.length} lines), 100 hunks, median of ${RUNS}:`);
    console.log(`  apply_patch (parse, verify, diff, atomic write): ${median(engine).toFixed(1)} ms`);
    console.log(
      `    of which parse ${median(parse).toFixed(1)} ms, match+rebuild in memory ${median(match).toFixed(1)} ms`,
    );
    console.log(`  baseline read + write in place:                    ${median(baseline).toFixed(1)} ms`);
    console.log(
      `  ratio:                                             ${(median(engine) / median(baseline)).toFixed(1)}x`,
    );

    // 2. One patch touching 1,000 small files.
    const small = smallFiles();
    const smallEngine: number[] = [];
    const smallBaseline: number[] = [];
    const smallAtomic: number[] = [];
    const writeAll = async () => {
      for (const [rel, content] of small.files) {
        await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await fs.writeFile(path.join(dir, rel), content);
      }
    };
    for (let run = 0; run < RUNS; run++) {
      await writeAll();
      smallBaseline.push(
        await time(async () => {
          for (const rel of small.files.keys()) {
            const p = path.join(dir, rel);
            await fs.writeFile(p, await fs.readFile(p, 'utf8'));
          }
        }),
      );
      smallAtomic.push(
        await time(async () => {
          for (const rel of small.files.keys()) {
            const p = path.join(dir, rel);
            await fs.writeFile(`${p}.tmp`, await fs.readFile(p, 'utf8'));
            await fs.rename(`${p}.tmp`, p);
          }
        }),
      );
      smallEngine.push(
        await time(async () => {
          const outcome = await applyPatch({ patch: small.patch, cwd: dir, policy });
          if (outcome.status !== 'applied') throw new Error(outcome.output);
        }),
      );
    }
    const sample = await fs.readFile(path.join(dir, 'pkg9/mod999.ts'), 'utf8');
    if (!sample.includes('v10 = -1')) throw new Error('small-files patch not applied');
    console.log(`\n1,000 small files (20 lines each), one patch, median of ${RUNS}:`);
    console.log(`  apply_patch:                                       ${median(smallEngine).toFixed(1)} ms`);
    console.log(
      `  baseline read + write in place (sequential):       ${median(smallBaseline).toFixed(1)} ms`,
    );
    console.log(`  baseline read + write to a new file + rename:      ${median(smallAtomic).toFixed(1)} ms`);
    console.log(
      `  ratio to read + write:                             ${(median(smallEngine) / median(smallBaseline)).toFixed(1)}x`,
    );
    console.log(
      `  ratio to read + write new + rename:                ${(median(smallEngine) / median(smallAtomic)).toFixed(1)}x`,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
