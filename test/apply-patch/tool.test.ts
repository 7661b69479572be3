/**
 * The three ways in share one path: the freeform custom tool, the JSON function form, and a shell
 * command intercepted by extractApplyPatchInvocation, all through runApplyPatch; plus the display
 * items and the specs the model sees.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ThreadItem } from '../../src/protocol/events.js';
import { defaultSandboxPolicy, type SandboxMode } from '../../src/protocol/policy.js';
import { extractApplyPatchInvocation } from '../../src/tools/apply-patch/invocation.js';
import { APPLY_PATCH_LARK_GRAMMAR } from '../../src/tools/apply-patch/spec.js';
import { createApplyPatchTool, runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import type { ToolContext } from '../../src/tools/types.js';
import { makeTempDir, writeFiles } from './helpers.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

let root: string;
beforeEach(async () => {
  root = await makeTempDir();
  temps.push(root);
  await writeFiles(root, { 'a.txt': 'one\ntwo\n', 'sub/b.txt': 'b\n' });
});

type Event = { kind: 'started' | 'updated' | 'completed'; item: ThreadItem };

function context(mode: SandboxMode = 'workspace-write', overrides: Partial<ToolContext> = {}) {
  const events: Event[] = [];
  let next = 0;
  // Asserted rather than annotated, so the fixture also fits ToolContext as it grows.
  const ctx = {
    cwd: root,
    callId: 'call_1',
    turnId: 'turn_1',
    signal: new AbortController().signal,
    sandbox: defaultSandboxPolicy(mode),
    approvalPolicy: 'never',
    bypassSandbox: false,
    env: { SPOOL_HOME: path.join(root, '.spool-home') },
    items: {
      newItemId: () => `item_${next++}`,
      started: (item) => events.push({ kind: 'started', item }),
      updated: (item) => events.push({ kind: 'updated', item }),
      completed: (item) => events.push({ kind: 'completed', item }),
      outputDelta: () => undefined,
    },
    requestApproval: async () => ({ decision: 'abort' as const }),
    sessionApprovals: new Set<string>(),
    ...overrides,
  } as ToolContext;
  return { ctx, events };
}

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n one\n-two\n+2\n*** End Patch';

describe('apply_patch tool', () => {
  it('offers Codex’s freeform spec by default and the JSON function spec on request', () => {
    const freeform = createApplyPatchTool();
    expect(freeform.parallel).toBe(false);
    expect(freeform.spec).toEqual({
      type: 'custom',
      name: 'apply_patch',
      description:
        'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
      format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_LARK_GRAMMAR },
    });
    expect(APPLY_PATCH_LARK_GRAMMAR.split('\n').slice(0, 3)).toEqual([
      'start: begin_patch hunk+ end_patch',
      'begin_patch: "*** Begin Patch" LF',
      'end_patch: "*** End Patch" LF?',
    ]);
    const fn = createApplyPatchTool({ form: 'function' });
    expect(fn.spec.type).toBe('function');
    if (fn.spec.type !== 'function') return;
    expect(fn.spec.strict).toBe(false);
    expect(fn.spec.parameters).toEqual({
      type: 'object',
      properties: {
        input: { type: 'string', description: 'The entire contents of the apply_patch command' },
      },
      required: ['input'],
      additionalProperties: false,
    });
    expect(
      fn.spec.description.startsWith(
        'Use the `apply_patch` tool to edit files.\nYour patch language is a stripped\u2011down',
      ),
    ).toBe(true);
    expect(fn.spec.description).toContain('@@ \\t def method():');
    expect(fn.spec.description.endsWith('- File references can only be relative, NEVER ABSOLUTE.\n')).toBe(
      true,
    );
  });

  it('accepts both call shapes whichever spec it advertises', () => {
    const registry = new ToolRegistry([createApplyPatchTool()]);
    const custom = registry.resolve({
      type: 'custom_tool_call',
      name: 'apply_patch',
      input: PATCH,
      call_id: 'c1',
    });
    expect(custom).toMatchObject({ ok: true, args: { patch: PATCH } });
    const fn = registry.resolve({
      type: 'function_call',
      name: 'apply_patch',
      arguments: JSON.stringify({ input: PATCH }),
      call_id: 'c2',
    });
    expect(fn).toMatchObject({ ok: true, args: { patch: PATCH } });
    const bad = registry.resolve({
      type: 'function_call',
      name: 'apply_patch',
      arguments: '{"patch": 1}',
      call_id: 'c3',
    });
    expect(bad).toMatchObject({
      ok: false,
      error: expect.stringContaining('missing required field "input"'),
    });
  });

  it('applies a patch, answers with Codex’s text and shows a file_change item start to finish', async () => {
    const tool = createApplyPatchTool();
    const { ctx, events } = context();
    const parsed = tool.parse(PATCH, 'custom');
    if (!parsed.ok) throw new Error(parsed.error);
    const result = await tool.run(parsed.args, ctx);
    expect(result).toEqual({ output: 'Success. Updated the following files:\nM a.txt\n', success: true });
    expect(await fs.readFile(path.join(root, 'a.txt'), 'utf8')).toBe('one\n2\n');
    const change = {
      path: path.join(root, 'a.txt'),
      kind: 'update',
      diff: '--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n',
    };
    expect(events).toEqual([
      {
        kind: 'started',
        item: { id: 'item_0', type: 'file_change', changes: [change], status: 'in_progress' },
      },
      {
        kind: 'completed',
        item: { id: 'item_0', type: 'file_change', changes: [change], status: 'completed' },
      },
    ]);
  });

  it('marks the item failed and answers with the error when the patch does not apply', async () => {
    const { ctx, events } = context();
    const result = await runApplyPatch(
      '*** Begin Patch\n*** Update File: a.txt\n@@\n-zzz\n+y\n*** End Patch',
      ctx,
    );
    expect(result.success).toBe(false);
    expect(result.output).toMatch(/^Failed to find expected lines in a\.txt:\nzzz\n/);
    expect(events.map((e) => [e.kind, e.item.type === 'file_change' && e.item.status])).toEqual([
      ['started', 'in_progress'],
      ['completed', 'failed'],
    ]);
  });

  it('shows a patch that does not parse as one failed change naming no file', async () => {
    const { ctx, events } = context();
    const result = await runApplyPatch('*** Begin Patch\n*** Nope\n*** End Patch', ctx);
    expect(result.success).toBe(false);
    expect(result.output).toMatch(/^Invalid patch hunk on line 2: '\*\*\* Nope' is not a valid hunk header/);
    expect(events.map((e) => [e.kind, e.item])).toEqual([
      ['completed', expect.objectContaining({ type: 'file_change', changes: [], status: 'failed' })],
    ]);
  });

  it('follows the sandbox of the turn: read-only refuses, bypass allows', async () => {
    const readOnly = context('read-only');
    expect((await runApplyPatch(PATCH, readOnly.ctx)).output).toContain("the sandbox mode is 'read-only'");
    expect(await fs.readFile(path.join(root, 'a.txt'), 'utf8')).toBe('one\ntwo\n');
    const bypass = context('read-only', { bypassSandbox: true });
    expect((await runApplyPatch(PATCH, bypass.ctx)).success).toBe(true);
  });

  it('runs an intercepted `cd dir && apply_patch <<EOF` relative to dir, on the same path', async () => {
    const sandbox = {
      ...defaultSandboxPolicy('workspace-write'),
      excludeSlashTmp: true,
      excludeTmpdirEnvVar: true,
    };
    const { ctx } = context('workspace-write', { sandbox });
    const argv = [
      'bash',
      '-lc',
      "cd sub && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: b.txt\n@@\n-b\n+B\n*** End Patch\nEOF\n",
    ];
    const invocation = await extractApplyPatchInvocation(argv);
    if (!invocation) throw new Error('not intercepted');
    const result = await runApplyPatch(invocation.patch, ctx, { workdir: invocation.workdir });
    expect(result.output).toBe('Success. Updated the following files:\nM b.txt\n');
    expect(await fs.readFile(path.join(root, 'sub/b.txt'), 'utf8')).toBe('B\n');
    // The cd does not widen the writable roots: they come from the turn's cwd.
    const outside = await runApplyPatch(
      '*** Begin Patch\n*** Add File: spool-escape.txt\n+x\n*** End Patch',
      ctx,
      {
        workdir: path.dirname(root),
      },
    );
    expect(outside.output).toContain('is outside the writable roots');
    await expect(fs.access(path.join(path.dirname(root), 'spool-escape.txt'))).rejects.toThrow();
  });
});
