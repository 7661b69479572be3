/**
 * Destructive commands through the shell tools and the real sandbox: under `on-request` they are
 * asked even though they would run sandboxed (the sandbox does not protect the workspace itself),
 * under `never` refused with the reason, never run — judged by what is left on disk.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, commandEnv, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
let build: string;
beforeEach(() => {
  layout = makeLayout('spool-destroy-');
  sessions = new ExecSessionManager();
  build = join(layout.work, 'build');
  mkdirSync(build);
  writeFileSync(join(build, 'out.o'), 'object');
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const tools = () => createShellTools(sessions, { yields: { minEmptyPoll: 300 } });

/** Scripts that destroy `build` (or run as root), spelled the ways a model might. */
const DESTROYING = [
  'rm -rf build',
  'rm -r build',
  'rm -f build/out.o',
  'nice -n 5 rm -rf build',
  'timeout 5 rm -rf build',
  'env FOO=1 rm -rf build',
  'echo build | xargs rm -rf',
  "bash -c 'rm -rf build'",
  'find build -delete',
  'truncate -s 0 build/out.o',
  'dd if=/dev/zero of=build/out.o count=1',
  'X=-rf; rm $X build',
];

describe('under on-request', () => {
  it('asks before each destructive command, though it would run sandboxed; declined, nothing is destroyed', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-request' });
    for (const script of DESTROYING) {
      const result = await call(tools().shellCommand, { command: script, login: false }, ctx);
      expect(text(result), script).toMatch(
        /^exec command rejected by user: .*\nApproval was asked because: it is a destructive command/,
      );
      expect(existsSync(join(build, 'out.o')), script).toBe(true);
    }
    expect(requests).toHaveLength(DESTROYING.length);
    for (const request of requests) expect(request).toMatchObject({ kind: 'command', policy: 'on-request' });
  });

  it('approved, it runs in the sandbox', async () => {
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => 'approved',
    });
    const result = await call(tools().shell, { command: ['rm', '-rf', 'build'] }, ctx);
    expect(text(result)).toMatch(/^Exit code: 0/);
    expect(existsSync(build)).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('ordinary commands are not asked', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-request' });
    const result = await call(
      tools().shellCommand,
      { command: 'rm build/out.o && mkdir -p dist && touch dist/new.txt && ls dist', login: false },
      ctx,
    );
    expect(text(result)).toMatch(/^Exit code: 0/);
    expect(existsSync(join(build, 'out.o'))).toBe(false);
    expect(requests).toEqual([]);
  });
});

describe('under never', () => {
  it('refuses them with the reason; nothing runs and no one is asked', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never' });
    for (const script of DESTROYING) {
      const result = await call(tools().shellCommand, { command: script, login: false }, ctx);
      expect(text(result), script).toMatch(
        /^Command not run: .*\nIt was refused because it is a destructive command \(.*\), and the approval policy is never/,
      );
      expect(existsSync(join(build, 'out.o')), script).toBe(true);
    }
    expect(requests).toEqual([]);
  });

  it('sudo is refused, not left to fail: a sudo that exists does not run', async () => {
    // A `sudo` on PATH that would work: it records that it ran, then runs the command.
    const bin = join(layout.base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sudo'), `#!/bin/sh\ntouch ${join(layout.work, 'sudo-ran')}\nexec "$@"\n`);
    chmodSync(join(bin, 'sudo'), 0o755);
    const env = commandEnv({ PATH: `${bin}:${process.env.PATH}` });
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never', env });
    for (const command of [
      ['sudo', 'true'],
      ['bash', '-c', 'sudo true'],
      ['env', 'sudo', 'true'],
    ]) {
      const result = await call(tools().shell, { command }, ctx);
      expect(text(result), command.join(' ')).toMatch(
        /refused because it is a destructive command \(.*another user/,
      );
    }
    expect(existsSync(join(layout.work, 'sudo-ran'))).toBe(false);
    // The same program under another name runs (so the refusal is what stopped it).
    writeFileSync(join(bin, 'notsudo'), `#!/bin/sh\ntouch ${join(layout.work, 'notsudo-ran')}\n`);
    chmodSync(join(bin, 'notsudo'), 0o755);
    expect(text(await call(tools().shell, { command: ['notsudo'] }, ctx))).toMatch(/^Exit code: 0/);
    expect(existsSync(join(layout.work, 'notsudo-ran'))).toBe(true);
  });

  it('typed into a shell session, a destructive command is refused too', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never' });
    const started = text(
      await call(tools().execCommand, { cmd: 'bash', login: false, yield_time_ms: 300 }, ctx),
    );
    const id = Number(/Process running with session ID (\d+)/.exec(started)?.[1]);
    expect(id).toBeGreaterThan(0);
    const written = await call(
      tools().writeStdin,
      { session_id: id, chars: 'rm -rf build\n', yield_time_ms: 500 },
      ctx,
    );
    expect(text(written)).toMatch(
      /^Input not written: .*\nIt was refused because it is a destructive command/,
    );
    const harmless = await call(
      tools().writeStdin,
      { session_id: id, chars: 'ls build\n', yield_time_ms: 500 },
      ctx,
    );
    expect(text(harmless)).toContain('out.o');
    expect(existsSync(join(build, 'out.o'))).toBe(true);
  });
});
