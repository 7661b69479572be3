import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import type { ToolHandler } from '../../src/tools/types.js';
import { makeContext, tempDir } from './helpers.js';

let dir: { path: string; cleanup: () => void };
let sessions: ExecSessionManager;
beforeEach(() => {
  dir = tempDir();
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  dir.cleanup();
});

function tools() {
  return createShellTools(sessions);
}

async function call<A>(tool: ToolHandler<A>, args: unknown, ctx: Parameters<ToolHandler<A>['run']>[1]) {
  const parsed = tool.parse(JSON.stringify(args), 'function');
  if (!parsed.ok) throw new Error(parsed.error);
  return tool.run(parsed.args, ctx);
}

describe('tool specs', () => {
  it("use Codex's names, parameters and descriptions", () => {
    const { shell, shellCommand, execCommand, writeStdin } = tools();
    expect([shell.name, shellCommand.name, execCommand.name, writeStdin.name]).toEqual([
      'shell',
      'shell_command',
      'exec_command',
      'write_stdin',
    ]);
    for (const tool of [shell, shellCommand, execCommand, writeStdin]) expect(tool.parallel).toBe(true);
    const params = (tool: ToolHandler) => (tool.spec.type === 'function' ? tool.spec.parameters : {});
    expect(params(shell)).toMatchObject({
      type: 'object',
      required: ['command'],
      additionalProperties: false,
      properties: {
        command: { type: 'array', items: { type: 'string' }, description: 'The command to execute' },
        workdir: { type: 'string', description: 'The working directory to execute the command in' },
        timeout_ms: { type: 'integer', description: 'The timeout for the command in milliseconds' },
      },
    });
    expect(Object.keys((params(shell) as { properties: object }).properties)).toEqual([
      'command',
      'justification',
      'prefix_rule',
      'sandbox_permissions',
      'timeout_ms',
      'workdir',
    ]);
    expect(shell.spec.description).toContain(
      'Most terminal commands should be prefixed with ["bash", "-lc"].',
    );
    expect(params(execCommand)).toMatchObject({ required: ['cmd'] });
    expect(params(writeStdin)).toMatchObject({ required: ['session_id'] });
    expect(Object.keys((params(execCommand) as { properties: object }).properties)).toEqual([
      'cmd',
      'justification',
      'login',
      'max_output_tokens',
      'prefix_rule',
      'sandbox_permissions',
      'shell',
      'workdir',
      'yield_time_ms',
    ]);
  });
});

describe('argument validation', () => {
  it('explains exactly what is wrong', () => {
    const { shell, shellCommand, execCommand, writeStdin } = tools();
    expect(shell.parse('{"command": "ls -la"}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for shell: "command": expected array, received string.',
    });
    expect(shell.parse('{"command": []}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for shell: "command": must name a program: an empty command cannot run.',
    });
    expect(shell.parse('{"command": ["ls"], "timeout": 5}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for shell: unknown field(s) "timeout".',
    });
    expect(shellCommand.parse('{}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for shell_command: missing required field "command" (expected string).',
    });
    expect(execCommand.parse('{"cmd": "ls", "yield_time_ms": "soon"}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for exec_command: "yield_time_ms": expected number, received string.',
    });
    expect(writeStdin.parse('{"session_id": 1.5}', 'function')).toEqual({
      ok: false,
      error: 'Invalid arguments for write_stdin: "session_id": expected int, received number.',
    });
    const badJson = shell.parse('{"command": [', 'function');
    expect(badJson.ok).toBe(false);
    expect(!badJson.ok && badJson.error).toMatch(/^Invalid arguments for shell: not valid JSON/);
  });

  it("accepts Codex's approval fields", () => {
    const parsed = tools().shell.parse(
      JSON.stringify({
        command: ['ls'],
        sandbox_permissions: 'require_escalated',
        justification: 'Do you want to list files?',
        prefix_rule: ['ls'],
      }),
      'function',
    );
    expect(parsed.ok).toBe(true);
  });
});

describe('shell', () => {
  it('runs an argv and answers in Codex format with a display item', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(tools().shell, { command: ['bash', '-lc', 'echo hi-from-tool'] }, ctx);
    expect(result.success).toBe(true);
    expect(result.output).toMatch(/^Exit code: 0\nWall time: \d+(\.\d)? seconds\nOutput:\nhi-from-tool\n$/);

    expect(sink.kinds()[0]).toBe('started');
    expect(sink.kinds().at(-1)).toBe('completed');
    expect(sink.events[0]).toEqual({
      kind: 'started',
      item: {
        id: 'item_0',
        type: 'command_execution',
        command: "bash -lc 'echo hi-from-tool'",
        aggregated_output: '',
        exit_code: null,
        status: 'in_progress',
        cwd: dir.path,
      },
    });
    expect(sink.deltas()).toBe('hi-from-tool\n');
    const completed = sink.completedItems()[0];
    expect(completed).toMatchObject({
      id: 'item_0',
      command: "bash -lc 'echo hi-from-tool'",
      aggregated_output: 'hi-from-tool\n',
      exit_code: 0,
      status: 'completed',
      cwd: dir.path,
    });
    expect(completed && 'duration_ms' in completed && typeof completed.duration_ms).toBe('number');
  });

  it('reports a non-zero exit as a failed item but a successful call', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(tools().shell, { command: ['bash', '-c', 'echo oops >&2; exit 2'] }, ctx);
    expect(result.success).toBe(true);
    expect(result.output).toMatch(/^Exit code: 2\n.*\nOutput:\noops\n$/s);
    expect(sink.completedItems()[0]).toMatchObject({
      exit_code: 2,
      status: 'failed',
      aggregated_output: 'oops\n',
    });
  });

  it('times out with Codex message and exit code 124', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(
      tools().shell,
      { command: ['bash', '-c', 'echo partial; sleep 30'], timeout_ms: 500 },
      ctx,
    );
    expect(result.success).toBe(false);
    expect(result.output).toMatch(
      /^Exit code: 124\nWall time: 0\.\d seconds\nOutput:\ncommand timed out after \d+ milliseconds\npartial\n$/,
    );
    expect(sink.completedItems()[0]).toMatchObject({ exit_code: 124, status: 'failed' });
  });

  it('resolves workdir against the turn cwd and rejects a missing one', async () => {
    mkdirSync(join(dir.path, 'sub'));
    const { ctx } = makeContext(dir.path);
    const inSub = await call(tools().shell, { command: ['pwd'], workdir: 'sub' }, ctx);
    expect(inSub.output).toContain(`Output:\n${join(dir.path, 'sub')}\n`);

    const { ctx: ctx2, sink } = makeContext(dir.path);
    const missing = await call(tools().shell, { command: ['pwd'], workdir: 'nope' }, ctx2);
    expect(missing).toEqual({
      success: false,
      output: `workdir "nope" (resolved to "${join(dir.path, 'nope')}") does not exist.`,
    });
    expect(sink.events).toEqual([]);

    writeFileSync(join(dir.path, 'file'), 'x');
    const notDir = await call(tools().shell, { command: ['pwd'], workdir: join(dir.path, 'file') }, ctx2);
    expect(notDir.output).toBe(`workdir "${join(dir.path, 'file')}" is not a directory.`);
  });

  it('reports a program that does not exist', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(tools().shell, { command: ['no-such-program-4711', '--help'] }, ctx);
    expect(result).toEqual({
      success: false,
      output: 'execution error: could not start "no-such-program-4711": command not found (ENOENT)',
    });
    expect(sink.completedItems()[0]).toMatchObject({ exit_code: -1, status: 'failed' });
  });

  it('stops and reports when the turn is aborted', async () => {
    const controller = new AbortController();
    const { ctx } = makeContext(dir.path, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await call(tools().shell, { command: ['sleep', '30'] }, ctx);
    expect(result.success).toBe(false);
    expect(result.output).toMatch(
      /^Exit code: 143\n.*\nOutput:\ncommand aborted by the user after \d+ milliseconds\n$/s,
    );
  });
});

describe('shell_command', () => {
  it("runs the script with the user's shell, login by default, shown like Codex", async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(tools().shellCommand, { command: 'echo hi-from-tool' }, ctx);
    expect(result.output).toMatch(/Output:\nhi-from-tool\n$/);
    expect(sink.completedItems()[0]).toMatchObject({
      command: "/bin/bash -lc 'echo hi-from-tool'",
      status: 'completed',
    });

    const { ctx: ctx2, sink: sink2 } = makeContext(dir.path);
    await call(
      tools().shellCommand,
      { command: 'shopt -q login_shell && echo login || echo plain', login: false },
      ctx2,
    );
    expect(sink2.completedItems()[0]).toMatchObject({ aggregated_output: 'plain\n' });
    expect(sink2.completedItems()[0]).toMatchObject({ command: expect.stringMatching(/^\/bin\/bash -c /) });
  });

  it('passes the context environment exactly', async () => {
    const { ctx } = makeContext(dir.path, { env: { PATH: process.env.PATH, SPOOL_TEST_VAR: 'present' } });
    const result = await call(tools().shellCommand, { command: 'echo "$SPOOL_TEST_VAR"', login: false }, ctx);
    expect(result.output).toMatch(/Output:\npresent\n$/);
  });
});

describe('commands outside danger-full-access run in the sandbox', () => {
  it('read-only: a command runs, but cannot write', async () => {
    const marker = join(dir.path, 'marker');
    const { shell, shellCommand, execCommand } = tools();
    const { ctx, sink } = makeContext(dir.path, { mode: 'read-only' });
    const results = [
      await call(shell, { command: ['touch', marker] }, ctx),
      await call(shellCommand, { command: `touch ${marker}` }, ctx),
      await call(execCommand, { cmd: `touch ${marker}` }, ctx),
    ];
    for (const result of results) expect(String(result.output)).toContain('Read-only file system');
    expect(existsSync(marker)).toBe(false);
    expect(sink.completedItems().map((item) => 'status' in item && item.status)).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
    expect(sessions.size).toBe(0);
  });

  it('workspace-write: writes inside the cwd, not outside it', async () => {
    const outside = tempDir('spool-outside-');
    try {
      const { ctx } = makeContext(dir.path, { mode: 'workspace-write' });
      const inside = await call(tools().shell, { command: ['touch', join(dir.path, 'in')] }, ctx);
      expect(inside.output).toMatch(/^Exit code: 0/);
      expect(existsSync(join(dir.path, 'in'))).toBe(true);
      // /tmp is writable by default; exclude it so the outside directory (in /tmp) is not.
      const strict = makeContext(dir.path, { mode: 'workspace-write' }).ctx;
      strict.sandbox = { ...strict.sandbox, excludeSlashTmp: true, excludeTmpdirEnvVar: true };
      const out = await call(tools().shell, { command: ['touch', join(outside.path, 'out')] }, strict);
      expect(out.output).toContain('Read-only file system');
      expect(existsSync(join(outside.path, 'out'))).toBe(false);
    } finally {
      outside.cleanup();
    }
  });

  it('runs without the sandbox when it is bypassed', async () => {
    const { ctx } = makeContext(dir.path, { mode: 'read-only', bypass: true });
    const result = await call(tools().shell, { command: ['touch', join(dir.path, 'free')] }, ctx);
    expect(result.output).toMatch(/^Exit code: 0/);
    expect(existsSync(join(dir.path, 'free'))).toBe(true);
  });
});

describe('live output', () => {
  it('streams deltas but stops them after the live limit', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const result = await call(
      tools().shell,
      { command: ['bash', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a'] },
      ctx,
    );
    expect(result.success).toBe(true);
    const live = Buffer.byteLength(sink.deltas());
    expect(live).toBeGreaterThanOrEqual(1024 * 1024);
    expect(live).toBeLessThan(1024 * 1024 + 128 * 1024);
    const completed = sink.completedItems()[0];
    expect(completed && 'aggregated_output' in completed && completed.aggregated_output).toContain(
      'bytes omitted',
    );
  });
});
