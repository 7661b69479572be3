/**
 * Sub-agents end to end through the built `spool exec`: one emulator plays every agent of the
 * tree, each conversation from its own script (the root's, and each child's by its path). Judged by
 * what the agents did (files written), what each model was sent, and what exec shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatchCall, call, type RecordedRequest, respond, type Step, say } from '../emulator/index.js';
import {
  agentMessages,
  always,
  execTreeHarness,
  extendsEachOther,
  finalAnswerSenders,
  inputOf,
  sessionMetas,
  toolOutputs,
} from '../support/agents.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';

const { setup, env, start } = execTreeHarness();

function addFile(name: string, text: string): string {
  return `*** Begin Patch\n*** Add File: ${name}\n+${text}\n*** End Patch`;
}

/** A worker: writes its file first, then answers (and answers any later message briefly). */
function worker(file: string, text: string): (r: RecordedRequest) => Step {
  return (r) => {
    const outputs = toolOutputs(r);
    if (outputs.length === 0) return respond(applyPatchCall(addFile(file, text)));
    return respond(say(`${file} written`));
  };
}

describe('spool exec with sub-agents', () => {
  it('root spawns two workers and an explorer, messages one, waits, gets every answer and finishes', async () => {
    const { home, work } = setup();
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(
            call('spawn_agent', { task_name: 'worker_a', message: 'Create a.txt', agent_type: 'worker' }),
            call('spawn_agent', { task_name: 'worker_b', message: 'Create b.txt', agent_type: 'worker' }),
            call('spawn_agent', {
              task_name: 'scout',
              message: 'Where is the parser?',
              agent_type: 'explorer',
            }),
            // Queued for worker_a: it takes it before its next request (no turn of its own).
            call('send_message', { target: 'worker_a', message: 'Use one line only.' }),
          ),
          respond(call('wait_agent', { timeout_ms: 60_000 })),
          // Waits until all three answers are in, then finishes.
          ...always((r) => {
            const senders = new Set(script.requestsOf('/root').flatMap(finalAnswerSenders));
            void r;
            return senders.size >= 3
              ? respond(say('All three answered.'))
              : respond(call('wait_agent', { timeout_ms: 60_000 }));
          }, 8),
        ],
      },
      { name: '/root/worker_a', steps: always(worker('a.txt', 'alpha')) },
      { name: '/root/worker_b', steps: always(worker('b.txt', 'beta')) },
      { name: '/root/scout', steps: always(() => respond(say('The parser is in src/parse.ts.'))) },
    ]);

    const run = await runSpool(
      ['exec', '--json', '-s', 'workspace-write', '--skip-git-repo-check', 'Do it'],
      {
        cwd: work,
        env: env(home),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(work, 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(fs.readFileSync(path.join(work, 'b.txt'), 'utf8')).toBe('beta\n');

    // Every answer reached the root by itself, each from its sender's path.
    const rootRequests = script.requestsOf('/root');
    const senders = new Set(rootRequests.flatMap(finalAnswerSenders));
    expect([...senders].sort()).toEqual(['/root/scout', '/root/worker_a', '/root/worker_b']);
    const last = rootRequests.at(-1)!;
    expect(agentMessages(last).join('\n')).toContain('The parser is in src/parse.ts.');
    // The message to worker_a reached it.
    const toA = script.requestsOf('/root/worker_a').flatMap(agentMessages);
    expect(toA.join('\n')).toContain('Use one line only.');
    expect(toA.join('\n')).toContain('Sender: /root');

    // Each agent's requests: its own prompt_cache_key, byte-exact extensions within the agent.
    const keys = new Set<unknown>();
    for (const name of ['/root', '/root/worker_a', '/root/worker_b', '/root/scout']) {
      const requests = script.requestsOf(name);
      expect(requests.length, name).toBeGreaterThan(0);
      expect(extendsEachOther(requests), name).toBe(true);
      const body = requests[0]!.body as { prompt_cache_key?: string; tools?: Array<{ name: string }> };
      keys.add(body.prompt_cache_key);
      // The same tools, collaboration included, for every agent.
      const tools = (body.tools ?? []).map((t) => t.name);
      expect(tools).toEqual(
        expect.arrayContaining([
          'spawn_agent',
          'send_message',
          'followup_task',
          'wait_agent',
          'interrupt_agent',
          'list_agents',
        ]),
      );
    }
    expect(keys.size).toBe(4);
    // A fresh context by default: the child saw nothing of the root's conversation but its task.
    const firstOfA = script.requestsOf('/root/worker_a')[0]!;
    expect(JSON.stringify(inputOf(firstOfA))).not.toContain('Do it');
    // The explorer runs read-only whatever the parent's sandbox.
    const scoutContext = JSON.stringify(inputOf(script.requestsOf('/root/scout')[0]!)[0]);
    expect(scoutContext).toContain('read-only');
    expect(JSON.stringify(inputOf(firstOfA)[0])).toContain('workspace-write');

    // Children's rollouts are linked to the root's.
    const metas = sessionMetas(home);
    const rootId = metas.get('/root')?.id;
    for (const name of ['/root/worker_a', '/root/worker_b', '/root/scout']) {
      const spawned = metas.get(name)?.spawned_from as Record<string, unknown>;
      expect(spawned).toMatchObject({ parent_thread_id: rootId, agent_path: name, depth: 1 });
    }
    expect(metas.get('/root/scout')!.spawned_from).toMatchObject({ agent_role: 'explorer' });

    // exec --json: Codex's collab_tool_call items, and the children's items attributed to them.
    const lines = jsonLines(run.stdout);
    const spawns = lines.filter(
      (l) =>
        l.type === 'item.completed' &&
        (l.item as { type: string }).type === 'collab_tool_call' &&
        (l.item as { tool: string }).tool === 'spawn_agent',
    );
    expect(spawns).toHaveLength(3);
    const spawnA = spawns.find((l) => (l.item as { prompt: string }).prompt === 'Create a.txt')!
      .item as Record<string, unknown>;
    const childA = metas.get('/root/worker_a')?.id as string;
    expect(spawnA).toMatchObject({
      sender_thread_id: rootId,
      receiver_thread_ids: [childA],
      status: 'completed',
    });
    expect(Object.keys(spawnA.agents_states as object)).toEqual([childA]);
    const fromA = lines.filter((l) => l.agent_path === '/root/worker_a' && l.type === 'item.completed');
    expect(fromA.some((l) => (l.item as { type: string }).type === 'file_change')).toBe(true);
    expect(fromA.every((l) => l.thread_id === childA)).toBe(true);
    expect(fromA.every((l) => (l.item as { agent_path?: string }).agent_path === '/root/worker_a')).toBe(
      true,
    );
    // Item ids stay unique across the tree.
    const ids = lines.filter((l) => l.type === 'item.completed').map((l) => (l.item as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    // Totals per agent and for the tree, at the end.
    expect(run.stderr).toMatch(/agents:\n {2}\/root: .*tokens/);
    expect(run.stderr).toContain('/root/worker_b: ');
    expect(run.stderr).toContain('tree total: ');

    // `spool sessions` shows the tree: each child under the root, with its path.
    const listed = await runSpool(['sessions'], { cwd: work, env: env(home) });
    const rows = listed.stdout
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(new RegExp(`^${rootId}`));
    for (const row of rows.slice(1)) expect(row).toMatch(/^└ \S+ .* \/root\/(worker_a|worker_b|scout): /);
  }, 90_000);

  it('refuses spawns past the concurrency and depth limits with errors the model can act on', async () => {
    const { home, work } = setup('[agents]\nmax_threads = 2\nmax_depth = 1\n');
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(
            call('spawn_agent', { task_name: 'one', message: 'Task one' }),
            call('spawn_agent', { task_name: 'two', message: 'Task two' }),
          ),
          respond(call('wait_agent', {})),
          respond(say('Done with one.')),
        ],
      },
      {
        name: '/root/one',
        steps: [
          respond(call('spawn_agent', { task_name: 'deeper', message: 'Go deeper' })),
          respond(say('one done')),
        ],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Split the work'], {
      cwd: work,
      env: env(home),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Done with one.\n');
    const second = script.requestsOf('/root')[1];
    const [first, refused] = toolOutputs(second);
    expect(JSON.parse(first ?? '{}')).toEqual({ task_name: '/root/one', nickname: null });
    expect(refused).toContain('Too many agents running: 2 of 2');
    expect(toolOutputs(script.requestsOf('/root/one')[1])[0]).toContain('Depth limit reached');
    expect(script.requestsOf('/root/two')).toHaveLength(0);
    expect(sessionMetas(home).has('/root/two')).toBe(false);
  }, 60_000);

  it('refuses an unknown role, listing the known ones, and a bad name', async () => {
    const { home, work } = setup('[agents.reviewer]\ndescription = "Reviews diffs"\n');
    const script = await start([
      {
        name: '/root',
        steps: [
          respond(
            call('spawn_agent', { task_name: 'x', message: 'm', agent_type: 'wizard' }),
            call('spawn_agent', { task_name: 'Bad-Name', message: 'm' }),
            call('send_message', { target: '/root/nobody', message: 'hi' }),
          ),
          respond(say('ok')),
        ],
      },
    ]);
    const run = await runSpool(['exec', '--skip-git-repo-check', 'Try'], { cwd: work, env: env(home) });
    expect(run.code, run.stderr).toBe(0);
    const [role, name, target] = toolOutputs(script.requestsOf('/root')[1]);
    expect(role).toContain('Unknown agent_type "wizard"');
    expect(role).toContain('explorer');
    expect(role).toContain('reviewer (Reviews diffs)');
    expect(name).toContain('not a valid agent name');
    expect(target).toContain('No agent at /root/nobody');
  }, 60_000);
});
