/** exec_command sessions inside the sandbox: input, Ctrl-C reaching the command, and teardown. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, hostProcessesWith, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-sessions-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const tools = () => createShellTools(sessions, { yields: { minEmptyPoll: 300 } });

function sessionId(output: string): number {
  const match = /session ID (\d+)/.exec(output);
  if (!match?.[1]) throw new Error(`no session in ${output}`);
  return Number(match[1]);
}

describe('sandboxed exec sessions', () => {
  it('take input, and Ctrl-C reaches the command inside (not just the sandbox)', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const first = text(
      await call(
        tools().execCommand,
        {
          cmd: 'trap "echo interrupted; exit 7" INT; read name; echo "hello $name"; while :; do sleep 0.1; done',
          login: false,
          yield_time_ms: 500,
        },
        ctx,
      ),
    );
    const id = sessionId(first);
    const second = text(
      await call(tools().writeStdin, { session_id: id, chars: 'sandbox\n', yield_time_ms: 500 }, ctx),
    );
    expect(second).toContain('hello sandbox');
    let last = text(
      await call(tools().writeStdin, { session_id: id, chars: '\u0003', yield_time_ms: 1500 }, ctx),
    );
    for (let i = 0; i < 10 && !last.includes('Process exited'); i++)
      last = text(await call(tools().writeStdin, { session_id: id }, ctx));
    expect(last).toContain('interrupted');
    expect(last).toContain('Process exited with code 7');
  });

  it('closeAll ends a running sandboxed session and everything it started', async () => {
    const marker = `${200 + (process.pid % 1000) / 1000}`;
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const first = text(
      await call(
        tools().execCommand,
        { cmd: `sleep ${marker} & sleep ${marker}`, login: false, yield_time_ms: 300 },
        ctx,
      ),
    );
    sessionId(first);
    // The sleeps, and the launcher and shell whose command lines hold the script.
    expect(hostProcessesWith(`sleep ${marker}`).length).toBeGreaterThanOrEqual(2);
    await sessions.closeAll();
    await new Promise((r) => setTimeout(r, 100));
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });
});
