import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandItemReporter } from '../../src/tools/shell/command-item.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import type { ToolContext, ToolHandler } from '../../src/tools/types.js';
import { isAlive, makeContext, RecordingSink, readPid, tempDir, waitFor } from './helpers.js';

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

// Short empty-poll floor so tests of a still-running session do not wait Codex's 5 seconds.
function tools() {
  return createShellTools(sessions, { yields: { minEmptyPoll: 400 } });
}

async function call<A>(tool: ToolHandler<A>, args: unknown, ctx: ToolContext) {
  const parsed = tool.parse(JSON.stringify(args), 'function');
  if (!parsed.ok) throw new Error(parsed.error);
  return tool.run(parsed.args, ctx);
}

const RESPONSE =
  /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\n(Process exited with code -?\d+|Process running with session ID \d+)\nOriginal token count: \d+\nOutput:\n/;

function sessionIdOf(output: unknown): number {
  const match = /Process running with session ID (\d+)/.exec(String(output));
  if (!match?.[1]) throw new Error(`no session id in: ${String(output)}`);
  return Number(match[1]);
}

function outputOf(response: unknown): string {
  const text = String(response);
  return text.slice(text.indexOf('\nOutput:\n') + '\nOutput:\n'.length);
}

describe('exec_command', () => {
  it('returns the exit code when the command finishes within the yield time', async () => {
    const { ctx, sink } = makeContext(dir.path);
    const started = Date.now();
    const result = await call(tools().execCommand, { cmd: 'echo hello' }, ctx);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.success).toBe(true);
    expect(result.output).toMatch(RESPONSE);
    expect(result.output).toContain(
      '\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nhello\n',
    );
    expect(result.output).not.toContain('session ID');
    expect(sessions.size).toBe(0);
    expect(sink.kinds()[0]).toBe('started');
    expect(sink.completedItems()[0]).toMatchObject({
      command: "/bin/bash -lc 'echo hello'",
      aggregated_output: 'hello\n',
      exit_code: 0,
      status: 'completed',
      cwd: dir.path,
    });
  });

  it('yields a session id, takes input through write_stdin, and reports the exit on a later poll', async () => {
    const { execCommand, writeStdin } = tools();
    const { ctx, sink } = makeContext(dir.path);
    const first = await call(
      execCommand,
      { cmd: 'echo ready; read line; echo "got:$line"; sleep 1.5; echo bye', yield_time_ms: 1000 },
      ctx,
    );
    expect(first.output).toMatch(RESPONSE);
    expect(first.output).toContain('Process running with session ID');
    const id = sessionIdOf(first.output);
    expect(sessions.ids()).toEqual([id]);
    // On a loaded machine the shell may not have printed yet when the yield ends: poll (no input)
    // until it has. Every poll's output is new output only.
    const { ctx: ctx2, sink: sink2 } = makeContext(dir.path);
    let ready = outputOf(first.output);
    for (let polls = 0; polls < 20 && ready === ''; polls++)
      ready += outputOf((await call(writeStdin, { session_id: id, yield_time_ms: 500 }, ctx2)).output);
    expect(ready).toBe('ready\n');

    const second = await call(writeStdin, { session_id: id, chars: 'abc\n', yield_time_ms: 700 }, ctx2);
    expect(second.output).toMatch(RESPONSE);
    let answered = outputOf(second.output);
    let last = second;
    for (let polls = 0; polls < 20 && !answered.includes('got:abc'); polls++) {
      last = await call(writeStdin, { session_id: id, yield_time_ms: 500 }, ctx2);
      answered += outputOf(last.output);
    }
    expect(answered).toBe('got:abc\n');
    // `sleep 1.5` keeps it running past the answer's poll.
    expect(last.output).toContain(`Process running with session ID ${id}`);

    // The last output and the exit may be reported by the same poll or by two: collect them all.
    let later = '';
    for (let polls = 0; polls < 20 && !String(last.output).includes('Process exited'); polls++) {
      last = await call(writeStdin, { session_id: id }, ctx2);
      later += outputOf(last.output);
    }
    expect(last.output).toContain('Process exited with code 0');
    expect(later).toBe('bye\n');
    expect(sessions.size).toBe(0);

    const gone = await call(writeStdin, { session_id: id, chars: 'x' }, ctx2);
    expect(gone).toEqual({ success: false, output: `write_stdin failed: Unknown process id ${id}` });

    // The item started in the first turn; its completion went to the turn that was polling.
    expect(sink.kinds()[0]).toBe('started');
    expect(sink.completedItems()).toEqual([]);
    const completed = sink2.completedItems();
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      id: 'item_0',
      exit_code: 0,
      status: 'completed',
      aggregated_output: 'ready\ngot:abc\nbye\n',
    });
  });

  it('waits at least the empty-poll floor when nothing happens', async () => {
    const { execCommand, writeStdin } = tools();
    const { ctx } = makeContext(dir.path);
    const first = await call(execCommand, { cmd: 'sleep 30', yield_time_ms: 250 }, ctx);
    const id = sessionIdOf(first.output);
    const started = Date.now();
    const poll = await call(writeStdin, { session_id: id, yield_time_ms: 0 }, ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(poll.output).toContain(`Process running with session ID ${id}`);
    expect(outputOf(poll.output)).toBe('');
  });

  it('closes stdin on Ctrl-D and interrupts on Ctrl-C', async () => {
    const { execCommand, writeStdin } = tools();
    const { ctx } = makeContext(dir.path);
    const cat = sessionIdOf((await call(execCommand, { cmd: 'cat', yield_time_ms: 250 }, ctx)).output);
    const eof = await call(writeStdin, { session_id: cat, chars: 'hello\n\u0004', yield_time_ms: 2000 }, ctx);
    expect(eof.output).toContain('Process exited with code 0');
    expect(outputOf(eof.output)).toBe('hello\n');

    const sleeper = sessionIdOf(
      (await call(execCommand, { cmd: 'sleep 30', yield_time_ms: 250 }, ctx)).output,
    );
    const interrupted = await call(
      writeStdin,
      { session_id: sleeper, chars: '\u0003', yield_time_ms: 2000 },
      ctx,
    );
    expect(interrupted.output).toContain(`Process exited with code ${128 + 2}`);
  });

  it('truncates to max_output_tokens and reports the original size', async () => {
    const { ctx } = makeContext(dir.path);
    const result = await call(tools().execCommand, { cmd: 'seq 1 100000', max_output_tokens: 100 }, ctx);
    const bytes = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('').length;
    expect(result.output).toContain(`\nOriginal token count: ${Math.ceil(bytes / 4)}\n`);
    const output = outputOf(result.output);
    expect(output.startsWith('Total output lines: 100000\n\n1\n2\n3\n')).toBe(true);
    expect(output.endsWith('99999\n100000\n')).toBe(true);
    expect(output).toMatch(/…\d+ tokens truncated…/);
    expect(Buffer.byteLength(output)).toBeLessThan(500);
  });

  it('reports a shell that cannot start', async () => {
    const { ctx } = makeContext(dir.path);
    const result = await call(tools().execCommand, { cmd: 'true', shell: '/no/such/shell' }, ctx);
    expect(result).toEqual({
      success: false,
      output:
        'exec_command failed: Failed to create unified exec process: "/no/such/shell": command not found (ENOENT)',
    });
    expect(sessions.size).toBe(0);
  });
});

describe('ExecSessionManager', () => {
  it('closeAll kills every running session and completes their items as failed', async () => {
    const { execCommand } = tools();
    const { ctx, sink } = makeContext(dir.path);
    const pidFiles = [join(dir.path, 'a.pid'), join(dir.path, 'b.pid')];
    for (const file of pidFiles) {
      const result = await call(
        execCommand,
        { cmd: `sleep 100 & echo $! > ${file}; wait`, yield_time_ms: 250 },
        ctx,
      );
      sessionIdOf(result.output);
      expect(await waitFor(() => existsSync(file), 5000)).toBe(true);
    }
    expect(sessions.size).toBe(2);
    const grandchildren = pidFiles.map(readPid);
    await sessions.closeAll();
    expect(sessions.size).toBe(0);
    for (const pid of grandchildren) expect(await waitFor(() => !isAlive(pid), 2000)).toBe(true);
    const completed = sink.completedItems();
    expect(completed).toHaveLength(2);
    for (const item of completed) expect(item).toMatchObject({ status: 'failed', exit_code: 128 + 15 });
  });

  it('ends the least recently used session when the bound is reached', async () => {
    const bounded = new ExecSessionManager({ maxSessions: 2 });
    const spec = { argv: ['sleep', '30'], cwd: dir.path, env: process.env };
    const reporter = () => new CommandItemReporter(new RecordingSink(), 'sleep 30', dir.path);
    try {
      const first = bounded.start(spec, reporter());
      const second = bounded.start(spec, reporter());
      bounded.get(first.id); // first is now the most recently used
      const third = bounded.start(spec, reporter());
      expect(bounded.ids().sort()).toEqual([first.id, third.id].sort());
      const evicted = await second.process.done;
      expect(evicted.exitCode).toBe(128 + 15);
    } finally {
      await bounded.closeAll();
    }
  });
});
