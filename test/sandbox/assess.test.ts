import { describe, expect, it } from 'vitest';
import { assessCommand, assessPatch, type CommandFacts } from '../../src/sandbox/approval/assess.js';
import { looksLikeSandboxDenial } from '../../src/sandbox/approval/denial.js';

const facts = (over: Partial<CommandFacts> = {}): CommandFacts => ({
  policy: 'on-request',
  mode: 'workspace-write',
  bypass: false,
  escalationRequested: false,
  knownSafe: false,
  session: { run: false, unsandboxed: false },
  ...over,
});

describe('assessCommand', () => {
  it('untrusted: known-safe runs in the sandbox; anything else asks, then runs in the sandbox', () => {
    expect(assessCommand(facts({ policy: 'untrusted', knownSafe: true }))).toEqual({
      action: 'run',
      sandbox: true,
      onSandboxDenial: 'ask',
    });
    expect(assessCommand(facts({ policy: 'untrusted' }))).toMatchObject({ action: 'ask', sandbox: true });
    expect(
      assessCommand(facts({ policy: 'untrusted', session: { run: true, unsandboxed: false } })),
    ).toMatchObject({
      action: 'run',
      sandbox: true,
    });
  });

  it('on-failure runs in the sandbox and asks only after a sandbox denial', () => {
    expect(assessCommand(facts({ policy: 'on-failure' }))).toEqual({
      action: 'run',
      sandbox: true,
      onSandboxDenial: 'ask',
    });
  });

  it('on-request: sandboxed unless the model asks for escalation, which asks with its justification', () => {
    expect(assessCommand(facts())).toEqual({ action: 'run', sandbox: true, onSandboxDenial: 'report' });
    expect(assessCommand(facts({ escalationRequested: true, justification: 'Fetch the branch?' }))).toEqual({
      action: 'ask',
      reason: 'Fetch the branch?',
      sandbox: false,
      onSandboxDenial: 'report',
    });
    expect(
      assessCommand(facts({ escalationRequested: true, session: { run: true, unsandboxed: true } })),
    ).toMatchObject({ action: 'run', sandbox: false });
  });

  it('never: never asks; escalation and prompts are refused with the reason', () => {
    expect(assessCommand(facts({ policy: 'never' }))).toEqual({
      action: 'run',
      sandbox: true,
      onSandboxDenial: 'report',
    });
    expect(assessCommand(facts({ policy: 'never', escalationRequested: true }))).toMatchObject({
      action: 'refuse',
      reason: expect.stringContaining('on-request'),
    });
    expect(assessCommand(facts({ policy: 'never', dangerous: 'x' }))).toMatchObject({
      action: 'refuse',
      reason: expect.stringContaining('approval policy is never'),
    });
  });

  it('escalation is for on-request only', () => {
    for (const policy of ['untrusted', 'on-failure', 'never'] as const)
      expect(assessCommand(facts({ policy, escalationRequested: true })).action).toBe('refuse');
  });

  it('rules: forbidden always refuses (even bypassed), prompt asks, allow runs without asking, in the sandbox', () => {
    const rule = (decision: 'allow' | 'prompt' | 'forbidden') => ({
      decision,
      rule: { prefix: ['x'], decision },
    });
    expect(assessCommand(facts({ bypass: true, rule: rule('forbidden') })).action).toBe('refuse');
    expect(assessCommand(facts({ rule: rule('prompt'), knownSafe: true }))).toMatchObject({
      action: 'ask',
      sandbox: true,
    });
    expect(assessCommand(facts({ policy: 'never', rule: rule('prompt') })).action).toBe('refuse');
    expect(assessCommand(facts({ policy: 'untrusted', rule: rule('allow') }))).toMatchObject({
      action: 'run',
      sandbox: true,
    });
    // A rule never lets a command out of the sandbox: escalation still asks.
    expect(assessCommand(facts({ rule: rule('allow'), escalationRequested: true }))).toMatchObject({
      action: 'ask',
      sandbox: false,
    });
    expect(
      assessCommand(facts({ policy: 'on-failure', rule: rule('allow'), escalationRequested: true })).action,
    ).toBe('refuse');
    // Nor does it answer for a destructive command.
    expect(assessCommand(facts({ rule: rule('allow'), dangerous: 'rm -rf build: …' }))).toMatchObject({
      action: 'ask',
      sandbox: true,
    });
  });

  it('destructive commands ask even where everything else runs, and are refused under never', () => {
    expect(assessCommand(facts({ dangerous: 'git push --force' }))).toMatchObject({
      action: 'ask',
      reason: expect.stringContaining('destructive'),
      sandbox: true,
    });
    for (const policy of ['untrusted', 'on-failure', 'on-request'] as const)
      expect(assessCommand(facts({ policy, dangerous: 'rm -rf build' })).action).toBe('ask');
    expect(assessCommand(facts({ policy: 'never', dangerous: 'rm -rf build' }))).toMatchObject({
      action: 'refuse',
      reason: expect.stringMatching(/destructive command \(rm -rf build\), and the approval policy is never/),
    });
    // Approved for the session (this exact request): not asked again.
    expect(assessCommand(facts({ dangerous: 'x', session: { run: true, unsandboxed: false } })).action).toBe(
      'run',
    );
    expect(assessCommand(facts({ mode: 'danger-full-access', dangerous: 'rm' }))).toMatchObject({
      action: 'ask',
      sandbox: false,
    });
  });

  it('danger-full-access and bypass run outside the sandbox', () => {
    expect(assessCommand(facts({ mode: 'danger-full-access' }))).toEqual({
      action: 'run',
      sandbox: false,
      onSandboxDenial: 'report',
    });
    expect(assessCommand(facts({ mode: 'danger-full-access', policy: 'untrusted' })).action).toBe('ask');
    expect(assessCommand(facts({ bypass: true, policy: 'untrusted', dangerous: 'x' }))).toMatchObject({
      action: 'run',
      sandbox: false,
    });
  });
});

describe('assessPatch', () => {
  const denied = [{ path: '/etc/x', message: '/etc/x is outside the writable roots' }];
  it('inside the roots applies without asking, except under untrusted', () => {
    for (const policy of ['on-request', 'on-failure', 'never'] as const)
      expect(
        assessPatch({ policy, mode: 'workspace-write', bypass: false, denied: [], sessionApproved: false }),
      ).toEqual({
        action: 'apply',
        fullAccess: false,
      });
    expect(
      assessPatch({
        policy: 'untrusted',
        mode: 'workspace-write',
        bypass: false,
        denied: [],
        sessionApproved: false,
      }),
    ).toMatchObject({ action: 'ask', fullAccess: false });
  });

  it('outside the roots asks (then writes there), or is refused by the write policy under never', () => {
    expect(
      assessPatch({
        policy: 'on-request',
        mode: 'workspace-write',
        bypass: false,
        denied,
        sessionApproved: false,
      }),
    ).toEqual({
      action: 'ask',
      reason: expect.stringContaining('/etc/x is outside'),
      fullAccess: true,
    });
    expect(
      assessPatch({
        policy: 'never',
        mode: 'workspace-write',
        bypass: false,
        denied,
        sessionApproved: false,
      }),
    ).toEqual({
      action: 'apply',
      fullAccess: false,
    });
    expect(
      assessPatch({
        policy: 'on-request',
        mode: 'workspace-write',
        bypass: false,
        denied,
        sessionApproved: true,
      }),
    ).toEqual({
      action: 'apply',
      fullAccess: true,
    });
  });
});

describe('looksLikeSandboxDenial', () => {
  const denial = (exitCode: number, outputText: string, signal: NodeJS.Signals | null = null) =>
    looksLikeSandboxDenial({ exitCode, outputText, signal });
  it('recognises the ways programs report the sandbox refusing', () => {
    expect(denial(1, "touch: cannot touch '/etc/x': Read-only file system")).toBe(true);
    expect(denial(1, 'npm ERR! code EACCES')).toBe(true);
    expect(denial(6, 'curl: (6) Could not resolve host: example.com')).toBe(true);
    expect(denial(1, 'socket: Operation not permitted')).toBe(true);
    expect(denial(159, '')).toBe(true);
  });
  it('not a denial: success, command not found, ordinary failures', () => {
    expect(denial(0, 'Permission denied is a phrase')).toBe(false);
    expect(denial(127, 'bash: foo: command not found (Permission denied)')).toBe(false);
    expect(denial(1, 'FAIL test/x.test.ts: expected 1 to be 2')).toBe(false);
  });
});
