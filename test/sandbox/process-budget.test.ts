/**
 * The process limit is per session, not per command: background commands of one session share
 * one pids cgroup, so three of them cannot hold three times the limit. Real bubblewrap, as root
 * (where a pids cgroup can be made).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, hostProcessesWith, type Layout, makeContext, makeLayout } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-budget-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const LIMIT = 40;

describe('the process limit of a session', () => {
  it.runIf(existsSync('/sys/fs/cgroup/pids') || existsSync('/sys/fs/cgroup/cgroup.subtree_control'))(
    'three background commands together stay under one limit; closing the session ends them',
    async () => {
      const marker = `${400 + (process.pid % 1000) / 1000}`;
      const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
      const tools = createShellTools(sessions, { sandbox: { maxProcesses: LIMIT } });
      for (let i = 0; i < 3; i++) {
        await call(
          tools.execCommand,
          {
            cmd: `for i in $(seq 1 60); do sleep ${marker} & done; wait`,
            login: false,
            yield_time_ms: 1500,
          },
          ctx,
        );
      }
      const sleeping = hostProcessesWith(`sleep ${marker}`).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n';
        } catch {
          return false; // gone meanwhile
        }
      }).length;
      // Each sandbox has its init and a shell too; what matters: far below 3 × LIMIT.
      expect(sleeping).toBeGreaterThan(0);
      expect(sleeping).toBeLessThanOrEqual(LIMIT);
      await sessions.closeAll();
      await new Promise((r) => setTimeout(r, 200));
      expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
      if (existsSync('/sys/fs/cgroup/pids'))
        expect(
          readdirSync('/sys/fs/cgroup/pids').filter((d) => d.startsWith(`spool-${process.pid}-`)),
        ).toEqual([]);
    },
    60_000,
  );
});
