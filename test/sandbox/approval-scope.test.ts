/**
 * Approvals mean exactly what was shown, through the shell tools and the real sandbox: a session
 * approval covers the whole request (argv, workdir, escalation, environment); rules match the
 * program actually run; known-safe holds for every spelling of an option; an approved unsandboxed
 * command runs no startup file the sandbox could have written, and what is typed into it is asked.
 * Judged by files on disk.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, commandEnv, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-scope-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const tools = () => createShellTools(sessions, { yields: { minEmptyPoll: 300 } });
const escalated = { sandbox_permissions: 'require_escalated' };

describe('approve for this session keys on the whole request', () => {
  it('the same argv in another workdir, with another environment, or sandboxed vs not, is asked again', async () => {
    const approvals = new Set<string>();
    const answers: string[] = [];
    const options = {
      spoolHome: layout.home,
      policy: 'on-request' as const,
      sessionApprovals: approvals,
      answer: () => {
        answers.push('asked');
        return answers.length === 1 ? 'approved_for_session' : 'denied';
      },
    };
    const other = join(layout.base, 'other');
    mkdirSync(other);
    const made = (dir: string) => join(dir, 'made');
    const { ctx } = makeContext(layout.work, options);
    // Relative path: what it touches depends on the workdir.
    const touch = { command: ['touch', 'made'], ...escalated };
    await call(tools().shell, { ...touch, workdir: layout.outside }, ctx);
    expect(existsSync(made(layout.outside))).toBe(true);
    await call(tools().shell, { ...touch, workdir: layout.outside }, ctx);
    expect(answers).toHaveLength(1);

    const elsewhere = await call(tools().shell, { ...touch, workdir: other }, ctx);
    expect(text(elsewhere)).toMatch(/rejected by user/);
    expect(existsSync(made(other))).toBe(false);
    expect(answers).toHaveLength(2);

    const withEnv = makeContext(layout.work, { ...options, env: commandEnv({ LD_PRELOAD: '/tmp/x.so' }) });
    const changed = await call(tools().shell, { ...touch, workdir: layout.outside }, withEnv.ctx);
    expect(text(changed)).toMatch(/rejected by user/);
    expect(answers).toHaveLength(3);
  });

  it('approved to run in the sandbox does not approve running outside it', async () => {
    const approvals = new Set<string>();
    let asked = 0;
    const { ctx } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'untrusted',
      sessionApprovals: approvals,
      answer: () => (asked++ === 0 ? 'approved_for_session' : 'denied'),
    });
    const target = join(layout.outside, 'x');
    // Approved for the session in the sandbox: it runs there (and the sandbox stops it).
    await call(tools().shell, { command: ['touch', target] }, ctx);
    expect(existsSync(target)).toBe(false);
    // Then untrusted offers to run it outside: a new question, declined.
    expect(asked).toBe(2);
  });
});

describe('rules match the program actually run', () => {
  it('a forbidden [touch] rule stops touch however it is reached', async () => {
    writeFileSync(join(layout.home, 'rules.toml'), '[[rule]]\nprefix = ["touch"]\ndecision = "forbidden"\n');
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never' });
    const scripts = [
      '/usr/bin/touch c1',
      'env touch c2',
      'command touch c3',
      'timeout 5 touch c4',
      "sh -c 'touch c5'",
      "bash --norc -c 'touch c6'",
      'T=touch; $T c7',
      'echo c8 | xargs touch',
      'nice touch c9',
      '"$(command -v touch)" c10',
    ];
    for (const [i, script] of scripts.entries()) {
      const result = await call(tools().shellCommand, { command: script, login: false }, ctx);
      expect(text(result), script).toMatch(/forbidden by the rule \[touch\]/);
      expect(existsSync(join(layout.work, `c${i + 1}`)), script).toBe(false);
    }
  });
});

describe('known-safe means safe with every option', () => {
  it('under untrusted, every spelling of sort -o is asked (and, declined, writes nothing)', async () => {
    writeFileSync(join(layout.work, 'in'), 'b\na\n');
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'untrusted' });
    const spellings = [
      ['-o', 'o1'],
      ['-oo2'],
      ['-uo', 'o3'],
      ['--output=o4'],
      ['--output', 'o5'],
      ['--out=o6'],
      ['--o', 'o7'],
    ];
    for (const spelling of spellings) {
      const result = await call(tools().shell, { command: ['sort', ...spelling, 'in'] }, ctx);
      expect(text(result), spelling.join(' ')).toMatch(/rejected by user/);
    }
    expect(requests).toHaveLength(spellings.length);
    for (let i = 1; i <= spellings.length; i++) expect(existsSync(join(layout.work, `o${i}`))).toBe(false);
    // Plain sort is known-safe.
    expect(text(await call(tools().shell, { command: ['sort', 'in'] }, ctx))).toMatch(
      /^Exit code: 0[\s\S]*a\nb/,
    );
    expect(requests).toHaveLength(spellings.length);
  });
});

describe('an approved unsandboxed command runs no file the sandbox could have written', () => {
  it('no login profile from a HOME inside a writable root', async () => {
    const canary = join(layout.outside, 'profile-ran');
    // HOME is the workspace: a sandboxed command could have written this profile.
    for (const profile of ['.bash_profile', '.profile', '.bash_login'])
      writeFileSync(join(layout.work, profile), `touch ${canary}\n`);
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      env: commandEnv({ HOME: layout.work }),
      answer: () => 'approved',
    });
    const result = await call(
      tools().shellCommand,
      { command: `touch ${join(layout.outside, 'asked-for')}`, ...escalated },
      ctx,
    );
    expect(text(result)).toMatch(/^Exit code: 0/);
    expect(existsSync(join(layout.outside, 'asked-for'))).toBe(true);
    expect(existsSync(canary)).toBe(false);
    // What was asked is what ran: not a login shell, and the question says why.
    expect(requests[0]?.command).toEqual(['/bin/bash', '-c', `touch ${join(layout.outside, 'asked-for')}`]);
    expect(requests[0]?.reason).toMatch(/does not run as a login shell/);
  });

  it('a HOME outside the writable roots keeps the login shell', async () => {
    const home = join(layout.base, 'home-dir');
    mkdirSync(home);
    const canary = join(layout.outside, 'profile-ran');
    writeFileSync(join(home, '.bash_profile'), `touch ${canary}\n`);
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      env: commandEnv({ HOME: home }),
      answer: () => 'approved',
    });
    await call(tools().shellCommand, { command: 'true', ...escalated }, ctx);
    expect(requests[0]?.command).toEqual(['/bin/bash', '-lc', 'true']);
    expect(existsSync(canary)).toBe(true);
  });

  it('write_stdin into an approved unsandboxed session is asked like a new command', async () => {
    const answers = ['approved', 'denied', 'approved'];
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => answers.shift() as never,
    });
    const started = text(
      await call(tools().execCommand, { cmd: 'bash', login: false, yield_time_ms: 300, ...escalated }, ctx),
    );
    const id = Number(/Process running with session ID (\d+)/.exec(started)?.[1]);
    expect(requests).toHaveLength(1);
    const declined = await call(
      tools().writeStdin,
      { session_id: id, chars: `touch ${join(layout.outside, 'typed-1')}\n`, yield_time_ms: 500 },
      ctx,
    );
    expect(text(declined)).toMatch(/^input rejected by user: write to the stdin of .*typed-1\\n/);
    expect(requests[1]).toMatchObject({ kind: 'command', display: expect.stringContaining('typed-1') });
    await call(
      tools().writeStdin,
      { session_id: id, chars: `touch ${join(layout.outside, 'typed-2')}\n`, yield_time_ms: 500 },
      ctx,
    );
    expect(requests).toHaveLength(3);
    expect(existsSync(join(layout.outside, 'typed-1'))).toBe(false);
    expect(existsSync(join(layout.outside, 'typed-2'))).toBe(true);
    // Ctrl-C alone is not a command.
    await call(tools().writeStdin, { session_id: id, chars: '\u0003', yield_time_ms: 300 }, ctx);
    expect(requests).toHaveLength(3);
  });

  it('write_stdin into a sandboxed session is not asked (the sandbox holds)', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-request' });
    const started = text(
      await call(tools().execCommand, { cmd: 'bash', login: false, yield_time_ms: 300 }, ctx),
    );
    const id = Number(/Process running with session ID (\d+)/.exec(started)?.[1]);
    const out = await call(
      tools().writeStdin,
      { session_id: id, chars: `touch inside && touch ${join(layout.outside, 'x')}\n`, yield_time_ms: 500 },
      ctx,
    );
    expect(text(out)).toContain('Read-only file system');
    expect(existsSync(join(layout.work, 'inside'))).toBe(true);
    expect(existsSync(join(layout.outside, 'x'))).toBe(false);
    expect(requests).toEqual([]);
  });
});
