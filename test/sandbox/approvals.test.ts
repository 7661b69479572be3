/**
 * Approval policies end to end through the shell tools and apply_patch, with the real sandbox:
 * the front end's answers (recorded) decide what runs, and files show what happened.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApplyPatch } from '../../src/tools/apply-patch/tool.js';
import { ExecSessionManager } from '../../src/tools/shell/exec-sessions.js';
import { createShellTools } from '../../src/tools/shell/shell-tool-set.js';
import { call, hashOf, type Layout, makeContext, makeLayout, text } from './helpers.js';

let layout: Layout;
let sessions: ExecSessionManager;
beforeEach(() => {
  layout = makeLayout('spool-approve-');
  sessions = new ExecSessionManager();
});
afterEach(async () => {
  await sessions.closeAll();
  layout.cleanup();
});

const tools = () => createShellTools(sessions, { yields: { minEmptyPoll: 300 } });
const outsideFile = () => join(layout.outside, 'made.txt');
const touchOutside = () => ['touch', outsideFile()];

describe('on-request', () => {
  it('escalation asks with the justification; approved runs outside the sandbox', async () => {
    const { ctx, requests, sink } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => 'approved',
    });
    const result = await call(
      tools().shell,
      {
        command: touchOutside(),
        sandbox_permissions: 'require_escalated',
        justification: 'Create the file next to the workspace?',
        prefix_rule: ['touch'],
      },
      ctx,
    );
    expect(text(result)).toMatch(/^Exit code: 0/);
    expect(existsSync(outsideFile())).toBe(true);
    expect(requests).toEqual([
      {
        kind: 'command',
        command: touchOutside(),
        display: `touch ${outsideFile()}`,
        cwd: layout.work,
        reason: 'Create the file next to the workspace?',
        policy: 'on-request',
        proposed_rule: ['touch'],
        // The command's item carries the same id (front ends join the two).
        item_id: sink.completedItems()[0]!.id,
      },
    ]);
  });

  it('denied: nothing runs and the model gets the reason', async () => {
    const { ctx } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => ({ decision: 'denied', reason: 'no one could approve' }),
    });
    const result = await call(
      tools().shellCommand,
      { command: `touch ${outsideFile()}`, sandbox_permissions: 'require_escalated' },
      ctx,
    );
    expect(text(result)).toMatch(/^exec command rejected by user: .*\n.*\nno one could approve$/);
    expect(existsSync(outsideFile())).toBe(false);
  });

  it('without escalation runs in the sandbox and does not ask', async () => {
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => 'approved',
    });
    const result = await call(tools().shell, { command: touchOutside() }, ctx);
    expect(text(result)).toContain('Read-only file system');
    expect(existsSync(outsideFile())).toBe(false);
    expect(requests).toEqual([]);
  });

  it('approve for this session covers that exact command only, never a wider one', async () => {
    const approvals = new Set<string>();
    let answers = 0;
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      sessionApprovals: approvals,
      answer: () => (answers++ === 0 ? 'approved_for_session' : 'denied'),
    });
    const escalated = { sandbox_permissions: 'require_escalated' };
    await call(tools().shell, { command: touchOutside(), ...escalated }, ctx);
    await call(tools().shell, { command: touchOutside(), ...escalated }, ctx);
    expect(requests).toHaveLength(1);
    const other = await call(
      tools().shell,
      { command: [...touchOutside(), join(layout.outside, 'more')], ...escalated },
      ctx,
    );
    expect(text(other)).toMatch(/rejected by user/);
    expect(requests).toHaveLength(2);
    expect(existsSync(join(layout.outside, 'more'))).toBe(false);
  });
});

describe('on-failure', () => {
  it('a sandbox denial asks to re-run outside it; approved, it runs there', async () => {
    const { ctx, requests, sink } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-failure',
      answer: () => 'approved',
    });
    const result = await call(tools().shell, { command: touchOutside() }, ctx);
    expect(text(result)).toMatch(/^Exit code: 0/);
    expect(existsSync(outsideFile())).toBe(true);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.reason).toMatch(/failed inside the sandbox \(.*Read-only file system\)/);
    // Two command items: the sandboxed failure, then the approved run.
    expect(sink.completedItems().map((i) => (i as { exit_code: number }).exit_code)).toEqual([1, 0]);
  });

  it('declined: the sandboxed result stands, with the answer', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-failure' });
    const result = await call(tools().shell, { command: touchOutside() }, ctx);
    expect(text(result)).toMatch(/Read-only file system[\s\S]*exec command rejected by user/);
    expect(existsSync(outsideFile())).toBe(false);
  });

  it('an ordinary failure does not ask', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-failure' });
    const result = await call(tools().shell, { command: ['bash', '-c', 'echo nope; exit 3'] }, ctx);
    expect(text(result)).toMatch(/^Exit code: 3/);
    expect(requests).toEqual([]);
  });

  it('exec_command: a denied first run is offered outside the sandbox too', async () => {
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-failure',
      answer: () => 'approved',
    });
    const result = await call(
      tools().execCommand,
      { cmd: `touch ${outsideFile()}`, yield_time_ms: 2000 },
      ctx,
    );
    expect(text(result)).toContain('Process exited with code 0');
    expect(existsSync(outsideFile())).toBe(true);
    expect(requests).toHaveLength(1);
  });
});

describe('never', () => {
  it('never asks: escalation is refused with the reason, sandboxed commands run', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never' });
    const refused = await call(
      tools().shell,
      { command: touchOutside(), sandbox_permissions: 'require_escalated' },
      ctx,
    );
    expect(text(refused)).toMatch(
      /^Command not run: .*\nIt was refused because the approval policy is never/,
    );
    const sandboxed = await call(tools().shell, { command: ['touch', 'inside'] }, ctx);
    expect(text(sandboxed)).toMatch(/^Exit code: 0/);
    expect(requests).toEqual([]);
    expect(existsSync(outsideFile())).toBe(false);
  });

  it('a destructive command is refused rather than run, with the reason', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'never' });
    const result = await call(tools().shell, { command: ['rm', '-rf', layout.outside] }, ctx);
    expect(text(result)).toMatch(/destructive command \(rm -rf .*forced or recursive rm/);
    expect(existsSync(layout.outside)).toBe(true);
  });

  it('rejects an unknown sandbox_permissions value', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home });
    const result = await call(tools().shell, { command: ['ls'], sandbox_permissions: 'root' }, ctx);
    expect(text(result)).toMatch(/sandbox_permissions must be/);
  });
});

describe('exec-policy rules', () => {
  it('forbidden refuses (even with the sandbox bypassed), prompt asks, a broken file stops everything', async () => {
    writeFileSync(
      join(layout.home, 'rules.toml'),
      '[[rule]]\nprefix = ["touch"]\ndecision = "forbidden"\nreason = "no touching"\n[[rule]]\nprefix = ["ls"]\ndecision = "prompt"\n',
    );
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      bypass: true,
      mode: 'danger-full-access',
    });
    const forbidden = await call(
      tools().shell,
      { command: ['bash', '-lc', `echo hi > log && touch ${outsideFile()}`] },
      ctx,
    );
    expect(text(forbidden)).toMatch(/forbidden by the rule \[touch\]: no touching/);
    expect(existsSync(outsideFile())).toBe(false);

    const asking = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-request' });
    const prompted = await call(tools().shell, { command: ['ls'] }, asking.ctx);
    expect(text(prompted)).toMatch(/rejected by user/);
    expect(asking.requests[0]?.reason).toMatch(/rule \[ls\] asks/);
    expect(requests).toEqual([]);

    writeFileSync(join(layout.home, 'rules.toml'), '[[rule]\n');
    const broken = await call(tools().shell, { command: ['echo', 'hi'] }, asking.ctx);
    expect(text(broken)).toMatch(/rules in .*rules\.toml cannot be read/);
  });

  it('approve for this session saves no rule, even where an old rules file asked for that', async () => {
    writeFileSync(join(layout.home, 'rules.toml'), 'save_session_approvals = true\n');
    const { ctx } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => 'approved_for_session',
    });
    await call(
      tools().shell,
      { command: touchOutside(), sandbox_permissions: 'require_escalated', prefix_rule: ['touch'] },
      ctx,
    );
    expect(existsSync(outsideFile())).toBe(true);
    expect(readFileSync(join(layout.home, 'rules.toml'), 'utf8')).toBe('save_session_approvals = true\n');
  });

  it('the explicit choice saves the rule it showed; the rule then runs commands in the sandbox only', async () => {
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'untrusted',
      answer: () => 'approved_execpolicy_amendment',
    });
    const first = await call(
      tools().shell,
      { command: ['touch', 'made-in-work'], prefix_rule: ['touch'] },
      ctx,
    );
    expect(text(first)).toMatch(/^Exit code: 0/);
    expect(requests[0]?.proposed_rule).toEqual(['touch']);
    expect(readFileSync(join(layout.home, 'rules.toml'), 'utf8')).toMatch(
      /\[\[rule\]\]\nprefix = \[ "touch" \]\ndecision = "allow"/,
    );
    // A new session: untrusted runs `touch` without asking, inside the sandbox.
    const later = makeContext(layout.work, { spoolHome: layout.home, policy: 'untrusted' });
    expect(text(await call(tools().shell, { command: ['touch', 'again'] }, later.ctx))).toMatch(
      /^Exit code: 0/,
    );
    expect(existsSync(join(layout.work, 'again'))).toBe(true);
    expect(later.requests).toEqual([]);
    // Outside the roots the sandbox stops it; untrusted then asks before running it outside.
    const outside = await call(tools().shell, { command: touchOutside() }, later.ctx);
    expect(text(outside)).toContain('Read-only file system');
    expect(existsSync(outsideFile())).toBe(false);
    expect(later.requests).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/failed inside the sandbox/) }),
    ]);
    // Escalation with an allow rule is asked (and here declined): the rule does not unsandbox it.
    const onRequest = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-request' });
    const escalated = await call(
      tools().shell,
      { command: touchOutside(), sandbox_permissions: 'require_escalated' },
      onRequest.ctx,
    );
    expect(text(escalated)).toMatch(/rejected by user/);
    expect(onRequest.requests).toHaveLength(1);
    expect(existsSync(outsideFile())).toBe(false);
  });

  it('a model-proposed rule that may not be a rule is not offered', async () => {
    const { ctx, requests } = makeContext(layout.work, { spoolHome: layout.home, policy: 'untrusted' });
    await call(tools().shell, { command: ['python3', '-c', 'print(1)'], prefix_rule: ['python3'] }, ctx);
    await call(
      tools().shell,
      { command: ['bash', '-lc', 'touch a && touch b'], prefix_rule: ['bash', '-lc'] },
      ctx,
    );
    await call(tools().shell, { command: ['bash', '-lc', 'touch a && make'], prefix_rule: ['touch'] }, ctx);
    expect(requests).toHaveLength(3);
    for (const request of requests) expect(request.proposed_rule).toBeUndefined();
  });

  it('a rule that cannot be saved is said, to the user and the model', async () => {
    const rules = join(layout.home, 'rules.toml');
    const warnings: string[] = [];
    const { ctx } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'untrusted',
      answer: () => {
        // The file is edited while the question is open, and no longer parses.
        writeFileSync(rules, '[[rule]\n');
        return 'approved_execpolicy_amendment';
      },
    });
    ctx.warn = (message) => warnings.push(message);
    const result = await call(tools().shell, { command: ['touch', 'made'], prefix_rule: ['touch'] }, ctx);
    expect(existsSync(join(layout.work, 'made'))).toBe(true);
    expect(text(result)).toMatch(
      /^Exit code: 0[\s\S]*the rule \[touch\] could not be saved: .*It applies to this run only\.$/,
    );
    expect(warnings).toEqual([expect.stringMatching(/the rule \[touch\] could not be saved/)]);
    expect(readFileSync(rules, 'utf8')).toBe('[[rule]\n');
  });
});

describe('apply_patch follows the same policy', () => {
  const addOutside = () =>
    `*** Begin Patch\n*** Add File: ${join(layout.outside, 'p.txt')}\n+hello\n*** End Patch`;
  const addInside = `*** Begin Patch\n*** Add File: inside.txt\n+hello\n*** End Patch`;

  it('on-request: a patch outside the roots asks, and once approved is written', async () => {
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'on-request',
      answer: () => 'approved',
    });
    const result = await runApplyPatch(addOutside(), ctx);
    expect(result.success).toBe(true);
    expect(readFileSync(join(layout.outside, 'p.txt'), 'utf8')).toBe('hello\n');
    expect(requests).toEqual([
      expect.objectContaining({
        kind: 'patch',
        policy: 'on-request',
        reason: expect.stringMatching(/outside the writable roots/),
        changes: [
          { path: join(layout.outside, 'p.txt'), kind: 'add', diff: expect.stringContaining('+hello') },
        ],
      }),
    ]);
    const inside = await runApplyPatch(addInside, ctx);
    expect(inside.success).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('denied: nothing is written', async () => {
    const { ctx } = makeContext(layout.work, { spoolHome: layout.home, policy: 'on-failure' });
    const result = await runApplyPatch(addOutside(), ctx);
    expect(text(result)).toMatch(/^patch rejected by user/);
    expect(hashOf(join(layout.outside, 'p.txt'))).toBe('absent');
  });

  it('untrusted asks even inside the roots; approve for session covers those files', async () => {
    const approvals = new Set<string>();
    const { ctx, requests } = makeContext(layout.work, {
      spoolHome: layout.home,
      policy: 'untrusted',
      sessionApprovals: approvals,
      answer: () => 'approved_for_session',
    });
    expect((await runApplyPatch(addInside, ctx)).success).toBe(true);
    const update = `*** Begin Patch\n*** Update File: inside.txt\n@@\n-hello\n+bye\n*** End Patch`;
    expect((await runApplyPatch(update, ctx)).success).toBe(true);
    expect(requests).toHaveLength(1);
    expect(readFileSync(join(layout.work, 'inside.txt'), 'utf8')).toBe('bye\n');
  });
});
