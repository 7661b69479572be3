/**
 * Controlling a tree through the built `spool exec`: fork_turns, roles that would widen the
 * sandbox, follow-up tasks, interrupt_agent, Ctrl-C, a child's approvals (declined without a
 * person, decided by the guardian when configured) and a parent resumed by its child's answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, type RecordedRequest, respond, type Step, say } from '../emulator/index.js';
import { agentMessages, execTreeHarness, inputOf, rollouts, toolOutputs } from '../support/agents.js';
import { runSpool } from '../support/spool-bin.js';

const { setup, env, start } = execTreeHarness();

/** A request that hangs until it is aborted (a child busy for as long as the test needs). */
const stalled: Step = respond(say('never finished'), { fault: { kind: 'stall', afterEvents: 2 } });

/** A shell call that asks to leave the sandbox (so on-request asks for approval). */
function escalated(command: string) {
  return call('shell', {
    command: ['bash', '-c', command],
    sandbox_permissions: 'require_escalated',
    justification: 'needed for the task',
  });
}

function turnEnds(lines: Array<{ type: string; payload: Record<string, unknown> }> | undefined): string[] {
  return (lines ?? [])
    .filter((line) => line.type === 'event')
    .map((line) => line.payload.type as string)
    .filter((type) => type.startsWith('turn.') && type !== 'turn.started');
}

describe('controlling sub-agents through spool exec', () => {
  it('fork_turns "all" carries the parent’s messages and final answers, never its tool calls', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('list_agents', {})),
          respond(
            call('spawn_agent', { task_name: 'helper', message: 'Continue from here', fork_turns: 'all' }),
          ),
          respond(call('wait_agent', {})),
          respond(say('Forked and done.')),
        ],
      },
      { name: '/root/helper', steps: [respond(say('helper done'))] },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'The original request'], {
      cwd: work,
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    const first = inputOf(script.requestsOf('/root/helper')[0]!);
    const text = JSON.stringify(first);
    expect(text).toContain('The original request');
    expect(text).toContain('Continue from here');
    expect(first.some((item) => item.type === 'function_call' || item.type === 'function_call_output')).toBe(
      false,
    );
    // Its own initial context: its path, not the root's conversation's first message.
    expect(text).toContain('Your agent path is /root/helper;');
    expect(JSON.parse(toolOutputs(script.requestsOf('/root')[1])[0] ?? '{}')).toEqual({
      agents: [{ path: '/root', status: 'running' }],
    });
  }, 60_000);

  it('refuses a role that would widen the sandbox (a repository cannot grant itself more)', async () => {
    const { home, work } = setup();
    fs.mkdirSync(path.join(work, '.spool', 'agents'), { recursive: true });
    fs.writeFileSync(
      path.join(work, '.spool', 'agents', 'unbound.toml'),
      'description = "no limits"\nsandbox_mode = "danger-full-access"\n',
    );
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'x', message: 'm', agent_type: 'unbound' })),
          respond(say('refused')),
        ],
      },
    ]);
    const run = await runSpool(['exec', '-s', 'workspace-write', '--skip-git-repo-check', 'Try'], {
      cwd: work,
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(toolOutputs(script.requestsOf('/root')[1])[0]).toContain(
      "asks for sandbox danger-full-access, wider than this agent's workspace-write",
    );
    expect(script.requestsOf('/root/x')).toHaveLength(0);
  }, 60_000);

  it('followup_task gives an idle child a new turn; its answer comes back again', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'helper', message: 'First job' })),
          respond(call('wait_agent', {})),
          respond(call('followup_task', { target: '/root/helper', message: 'Second job' })),
          // A timeout below the minimum is raised to it, and the answer says so.
          respond(call('wait_agent', { timeout_ms: 5 })),
          respond(say('Both jobs done.')),
        ],
      },
      {
        name: '/root/helper',
        steps: [respond(say('first result')), respond(say('second result'))],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Two jobs'], { cwd: work, env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Both jobs done.\n');
    const waited = JSON.parse(toolOutputs(script.requestsOf('/root').at(-1)).at(-1) ?? '{}');
    expect(waited).toEqual({
      message: expect.stringContaining('timeout_ms 5 raised to the minimum of 10000'),
      timed_out: false,
    });
    const messages = script.requestsOf('/root').at(-1)!;
    const answers = agentMessages(messages).join('\n');
    expect(answers).toContain('first result');
    expect(answers).toContain('second result');
    // The follow-up is the child's second turn, in the same conversation (cache key kept).
    const helper = script.requestsOf('/root/helper');
    expect(helper).toHaveLength(2);
    expect(JSON.stringify(inputOf(helper[1]!))).toContain('Second job');
    expect((helper[0]!.body as { prompt_cache_key: string }).prompt_cache_key).toBe(
      (helper[1]!.body as { prompt_cache_key: string }).prompt_cache_key,
    );
  }, 60_000);

  it('interrupt_agent stops a busy child; its parent is told, not woken into a loop', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'slow', message: 'Take forever' })),
          respond(call('interrupt_agent', { target: 'slow' })),
          respond(call('wait_agent', {})),
          respond(say('Stopped it.')),
        ],
      },
      { name: '/root/slow', steps: [stalled] },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Stop it'], { cwd: work, env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Stopped it.\n');
    expect(JSON.parse(toolOutputs(script.requestsOf('/root')[2]).at(-1) ?? '{}')).toMatchObject({
      interrupted: true,
      agent: { path: '/root/slow', status: 'interrupted' },
    });
    expect(agentMessages(script.requestsOf('/root')[3]!).join('\n')).toContain('Status: interrupted');
    expect(turnEnds(rollouts(home).get('/root/slow'))).toEqual(['turn.interrupted']);
  }, 60_000);

  it('Ctrl-C interrupts the whole tree: the root and its busy child stop, nothing resumes', async () => {
    const { home, work } = setup();
    let childAsked: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      childAsked = resolve;
    });
    await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'slow', message: 'Take forever' })),
          respond(call('wait_agent', { timeout_ms: 600_000 })),
        ],
      },
      {
        name: '/root/slow',
        steps: [
          (_r: RecordedRequest) => {
            childAsked();
            return stalled;
          },
        ],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Go'], {
      cwd: work,
      env: env(home),
      onSpawn: (child) => {
        void asked.then(() => setTimeout(() => child.kill('SIGINT'), 300));
      },
    });
    expect(run.code, run.stderr).toBe(130);
    const logs = rollouts(home);
    expect(turnEnds(logs.get('/root'))).toEqual(['turn.interrupted']);
    expect(turnEnds(logs.get('/root/slow'))).toEqual(['turn.interrupted']);
  }, 60_000);

  it('Ctrl-C while only a child works (the root’s turn has ended) stops it and exits 130', async () => {
    const { home, work } = setup();
    let childAsked: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      childAsked = resolve;
    });
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'slow', message: 'Take forever' })),
          respond(say('Spawned; it will report.')),
        ],
      },
      {
        name: '/root/slow',
        steps: [
          (_r: RecordedRequest) => {
            childAsked();
            return stalled;
          },
        ],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Go'], {
      cwd: work,
      env: env(home),
      onSpawn: (child) => {
        void asked.then(() => setTimeout(() => child.kill('SIGINT'), 300));
      },
    });
    expect(run.code, run.stderr).toBe(130);
    expect(turnEnds(rollouts(home).get('/root/slow'))).toEqual(['turn.interrupted']);
    // The interrupted child's report did not start another root turn.
    expect(script.requestsOf('/root')).toHaveLength(2);
  }, 60_000);

  it('a parent whose turn ended gets a new turn with its child’s answer (resume_parent)', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'helper', message: 'Work on it' })),
          respond(say('I will report when the helper is done.')),
          (r: RecordedRequest) =>
            respond(
              say(
                agentMessages(r).some((m) => m.includes('helper result')) ? 'Helper reported.' : 'No report',
              ),
            ),
        ],
      },
      {
        name: '/root/helper',
        // Answers slowly: the root's first turn is over by then.
        steps: [respond(say('helper result'), { eventDelayMs: 150 })],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Delegate'], { cwd: work, env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Helper reported.\n');
    expect(script.requestsOf('/root')).toHaveLength(3);
    expect(turnEnds(rollouts(home).get('/root'))).toEqual(['turn.completed', 'turn.completed']);
  }, 60_000);

  it('with resume_parent = false the run still waits for the child, and the root is not resumed', async () => {
    const { home, work } = setup('[agents]\nresume_parent = false\n');
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'helper', message: 'Work on it' })),
          respond(say('Spawned.')),
        ],
      },
      { name: '/root/helper', steps: [respond(say('helper result'), { eventDelayMs: 30 })] },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Delegate'], { cwd: work, env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Spawned.\n');
    expect(script.requestsOf('/root')).toHaveLength(2);
    expect(turnEnds(rollouts(home).get('/root/helper'))).toEqual(['turn.completed']);
  }, 60_000);

  it('a child’s approval request goes through the same channel: declined without a person, the agent named', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(call('spawn_agent', { task_name: 'helper', message: 'Needs escalation' })),
          respond(call('wait_agent', {})),
          respond(say('Done.')),
        ],
      },
      {
        name: '/root/helper',
        steps: [respond(escalated('touch escalated.txt')), respond(say('could not'))],
      },
    ]);
    const run = await runSpool(
      ['exec', '-s', 'workspace-write', '-a', 'on-request', '--skip-git-repo-check', 'Go'],
      { cwd: work, env: env(home) },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'escalated.txt'))).toBe(false);
    expect(run.stderr).toContain('spool: declined (non-interactive): /root/helper: ');
    expect(toolOutputs(script.requestsOf('/root/helper')[1]).join('\n')).toContain('non-interactively');
  }, 60_000);

  it('with approvals_reviewer = "auto_review" the guardian decides a child’s request; the decision goes back to the child', async () => {
    const { home, work } = setup('approvals_reviewer = "auto_review"\n');
    const script = await start(
      [
        {
          name: '/root',
          steps: [
            respond(call('spawn_agent', { task_name: 'helper', message: 'Make the marker file' })),
            respond(call('wait_agent', {})),
            respond(say('Done.')),
          ],
        },
        {
          name: '/root/helper',
          steps: [respond(escalated('touch escalated.txt')), respond(say('made it'))],
        },
      ],
      [
        {
          name: 'guardian',
          match: (r) => r.bodyText.includes('You review actions a coding agent wants'),
          steps: [
            respond(
              say(
                JSON.stringify({
                  risk_level: 'low',
                  user_authorization: 'explicit',
                  outcome: 'allow',
                  rationale: 'the task asks for it',
                }),
              ),
            ),
          ],
        },
      ],
    );
    const run = await runSpool(
      ['exec', '-s', 'workspace-write', '-a', 'on-request', '--skip-git-repo-check', 'Go'],
      { cwd: work, env: env(home) },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, 'escalated.txt'))).toBe(true);
    // The guardian reviewed the child's action, with the child's conversation as its transcript.
    const review = script.requestsOf('guardian');
    expect(review).toHaveLength(1);
    expect(review[0]!.bodyText).toContain('Make the marker file');
    expect(run.stderr).toContain('[/root/helper] guardian approved');
  }, 60_000);
});
