/**
 * Property tests: a patch generated from a random edit of a random file applies and reproduces the
 * edit exactly, through the parser and matcher alone and through the whole engine on real files;
 * and the streaming parser, fed the same patch in random pieces, sees the same files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { applyPatch as applyUnifiedDiff } from 'diff';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import { buildWritePolicy } from '../../src/sandbox/write-policy.js';
import { unifiedDiff } from '../../src/tools/apply-patch/diff.js';
import { applyPatch } from '../../src/tools/apply-patch/engine.js';
import { parsePatch } from '../../src/tools/apply-patch/parser.js';
import type { ChunkLine } from '../../src/tools/apply-patch/types.js';
import { applyChunks } from '../../src/tools/apply-patch/update.js';
import { makeTempDir } from './helpers.js';

const CONTEXT = 3;

const lineText = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    'x',
    ' ',
    '\t',
    '-',
    '+',
    '*',
    '@',
    'é',
    '\u201C',
    '\u2014',
    '\u00A0',
    '{',
    '}',
  ),
  maxLength: 12,
});

interface Edit {
  lines: string[];
  eol: '\n' | '\r\n';
  finalNewline: boolean;
  /** Per old line: deleted? */
  deleted: boolean[];
  /** insertions[i] go before old line i; insertions[n] at the end. */
  insertions: string[][];
}

const editArb: fc.Arbitrary<Edit> = fc
  .record({
    raw: fc.array(lineText, { maxLength: 30 }),
    eol: fc.constantFrom('\n' as const, '\r\n' as const),
    finalNewline: fc.boolean(),
  })
  .chain(({ raw, eol, finalNewline }) => {
    // Unique lines (an index prefix), so each chunk's context identifies one place in the file.
    const lines = raw.map((text, i) => `L${i}:${text}`);
    return fc.record({
      lines: fc.constant(lines),
      eol: fc.constant(eol),
      finalNewline: fc.constant(finalNewline),
      deleted: fc.array(fc.boolean(), { minLength: lines.length, maxLength: lines.length }),
      insertions: fc
        .array(fc.array(lineText, { maxLength: 2 }), {
          minLength: lines.length + 1,
          maxLength: lines.length + 1,
        })
        .map((groups) => groups.map((group, i) => group.map((text, j) => `N${i}.${j}:${text}`))),
    });
  });

function fileContent(edit: Edit): string {
  if (edit.lines.length === 0) return '';
  return edit.lines.join(edit.eol) + (edit.finalNewline ? edit.eol : '');
}

function operations(edit: Edit): ChunkLine[] {
  const ops: ChunkLine[] = [];
  edit.lines.forEach((text, i) => {
    for (const added of edit.insertions[i] ?? []) ops.push({ op: 'add', text: added });
    ops.push({ op: edit.deleted[i] ? 'remove' : 'context', text });
  });
  for (const added of edit.insertions[edit.lines.length] ?? []) ops.push({ op: 'add', text: added });
  return ops;
}

function expectedContent(edit: Edit): string {
  const kept = operations(edit).filter((op) => op.op !== 'remove');
  if (kept.length === 0) return '';
  const hasTerminator = edit.lines.length > 1 || (edit.lines.length === 1 && edit.finalNewline);
  const eol = hasTerminator ? edit.eol : '\n';
  return kept.map((op) => op.text + eol).join('');
}

/** Groups the edit into chunks with up to 3 lines of context, as a unified diff would. */
function chunksOf(ops: ChunkLine[]): ChunkLine[][] {
  const changed = ops.map((op, i) => (op.op === 'context' ? -1 : i)).filter((i) => i >= 0);
  const chunks: ChunkLine[][] = [];
  let startChange = 0;
  while (startChange < changed.length) {
    let endChange = startChange;
    while (
      endChange + 1 < changed.length &&
      (changed[endChange + 1] as number) - (changed[endChange] as number) - 1 <= 2 * CONTEXT
    ) {
      endChange++;
    }
    const from = Math.max(0, (changed[startChange] as number) - CONTEXT);
    const to = Math.min(ops.length, (changed[endChange] as number) + CONTEXT + 1);
    chunks.push(ops.slice(from, to));
    startChange = endChange + 1;
  }
  return chunks;
}

function patchOf(edit: Edit, file = 'f.txt'): string {
  const prefix = { context: ' ', add: '+', remove: '-' } as const;
  const body = chunksOf(operations(edit)).map(
    (chunk) => `@@\n${chunk.map((op) => prefix[op.op] + op.text).join('\n')}`,
  );
  return `*** Begin Patch\n*** Update File: ${file}\n${body.join('\n')}\n*** End Patch\n`;
}

function hasChange(edit: Edit): boolean {
  return edit.deleted.some(Boolean) || edit.insertions.some((group) => group.length > 0);
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('apply_patch properties', () => {
  it('a patch made from a random edit reproduces the edit (parser + matcher)', () => {
    fc.assert(
      fc.property(editArb, (edit) => {
        fc.pre(hasChange(edit));
        const parsed = parsePatch(patchOf(edit));
        if (!parsed.ok) throw new Error(parsed.error.message);
        const hunk = parsed.value.hunks[0];
        if (hunk?.type !== 'update') throw new Error('expected one update hunk');
        const result = applyChunks(fileContent(edit), hunk.chunks, 'f.txt');
        if (!result.ok) throw new Error(result.error);
        expect(result.content).toBe(expectedContent(edit));
        expect(result.levels.every((level) => level === 'exact')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('the unified diff shown for an update, built from the changed regions, turns the old file into the new', () => {
    fc.assert(
      fc.property(editArb, (edit) => {
        fc.pre(hasChange(edit));
        const parsed = parsePatch(patchOf(edit));
        const hunk = parsed.ok ? parsed.value.hunks[0] : undefined;
        if (hunk?.type !== 'update') throw new Error('expected one update hunk');
        const before = fileContent(edit);
        const result = applyChunks(before, hunk.chunks, 'f.txt');
        if (!result.ok) throw new Error(result.error);
        const change = {
          kind: 'update' as const,
          displayPath: 'f.txt',
          absPath: '/f.txt',
          before,
          after: result.content,
        };
        const windowed = unifiedDiff({ ...change, regions: result.regions });
        expect(applyUnifiedDiff(before, windowed, { autoConvertLineEndings: false })).toBe(result.content);
        expect(applyUnifiedDiff(before, unifiedDiff(change), { autoConvertLineEndings: false })).toBe(
          result.content,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('the engine reproduces the edit on a real file, changing nothing else', async () => {
    const dir = await makeTempDir();
    temps.push(dir);
    const policy = await buildWritePolicy(defaultSandboxPolicy('workspace-write'), {
      cwd: dir,
      spoolHome: path.join(dir, '.home'),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(editArb, async (edit) => {
        fc.pre(hasChange(edit));
        const work = path.join(dir, `case-${run++}`);
        await fs.mkdir(work);
        await fs.writeFile(path.join(work, 'f.txt'), fileContent(edit));
        await fs.writeFile(path.join(work, 'other.txt'), 'untouched\n');
        const outcome = await applyPatch({ patch: patchOf(edit), cwd: work, policy });
        expect(outcome.output).toBe('Success. Updated the following files:\nM f.txt\n');
        expect(await fs.readFile(path.join(work, 'f.txt'), 'utf8')).toBe(expectedContent(edit));
        expect((await fs.readdir(work)).sort()).toEqual(['f.txt', 'other.txt']);
      }),
      { numRuns: 60 },
    );
  });
});
