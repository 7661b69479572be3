/**
 * Sub-agents through the app-server (v2): a child is a thread of its own, announced to the
 * parent's client with its parent (`parentThreadId`, `source.subAgent`); its notifications and
 * approval requests carry its thread id, and the answer goes back to it; the parent's turn shows
 * `collabAgentToolCall` items; `thread/list` shows the child with its parent. Schema-checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import { serverEnv, streamClient } from '../app-server/support/harness.js';
import { call, type Emulator, respond, say } from '../emulator/index.js';
import { startTree, toolOutputs } from '../support/agents.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

it('shows a child thread to the parent’s client and routes its approval request by its thread id', async () => {
  const work = tempDir('spool-agents-app-');
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Make the marker' })),
        respond(call('wait_agent', {})),
        respond(say('Helper finished.')),
      ],
    },
    {
      name: '/root/helper',
      steps: [
        respond(
          call('shell', {
            command: ['bash', '-c', 'touch marker.txt'],
            sandbox_permissions: 'require_escalated',
            justification: 'needed for the task',
          }),
        ),
        respond(say('marker made')),
      ],
    },
  ]);
  emulator = started.emulator;
  server = new AppServer({ env: serverEnv(emulator) });
  const { client } = streamClient(server);
  await client.initialize();
  const root = (
    await client.call('thread/start', {
      cwd: work,
      approvalPolicy: 'on-request',
      sandbox: 'workspace-write',
    })
  ).thread;
  const asked: Array<{ method: string; threadId: string }> = [];
  client.onServerRequest = (request) => {
    asked.push({ method: request.method as string, threadId: request.params.threadId });
    return { decision: 'accept' };
  };
  const { turn } = await client.call('turn/start', {
    threadId: root.id,
    input: [{ type: 'text', text: 'Go' }],
  });
  const completed = (await client.turnCompleted(turn.id)).params.turn;
  expect(completed.status).toBe('completed');
  expect(fs.existsSync(path.join(work, 'marker.txt'))).toBe(true);

  // The child was announced with its parent.
  const childStarted = client.notifications('thread/started', (p) => p.thread.id !== root.id);
  expect(childStarted).toHaveLength(1);
  const child = childStarted[0].thread;
  expect(child).toMatchObject({
    parentThreadId: root.id,
    source: {
      subAgent: { thread_spawn: { parent_thread_id: root.id, agent_path: '/root/helper', depth: 1 } },
    },
  });
  // Its approval request carried its thread id; the answer reached it (the command ran).
  expect(asked).toEqual([{ method: 'item/commandExecution/requestApproval', threadId: child.id }]);
  expect(toolOutputs(started.script.requestsOf('/root/helper')[1])[0]).toContain('Exit code: 0');
  // Its items are notified under its own thread id.
  expect(
    client.notifications(
      'item/completed',
      (p) => p.threadId === child.id && p.item.type === 'commandExecution',
    ),
  ).toHaveLength(1);
  // The parent's turn shows the collab tool calls.
  const collab = client
    .notifications('item/completed', (p) => p.threadId === root.id && p.item.type === 'collabAgentToolCall')
    .map((p) => p.item);
  expect(collab.map((item) => item.tool)).toEqual(['spawnAgent', 'wait']);
  expect(collab[0]).toMatchObject({
    senderThreadId: root.id,
    receiverThreadIds: [child.id],
    prompt: 'Make the marker',
    status: 'completed',
  });
  // thread/list shows the child with its parent.
  const listed = (await client.call('thread/list', {})).data as Array<{
    id: string;
    parentThreadId: string | null;
  }>;
  expect(listed.find((t) => t.id === child.id)?.parentThreadId).toBe(root.id);
  expect(listed.find((t) => t.id === root.id)?.parentThreadId).toBeNull();
  expect(client.schemaProblems()).toEqual([]);
}, 60_000);

it('an ephemeral root has unrecorded children: nothing of the tree is written to disk', async () => {
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Answer briefly' })),
        respond(call('wait_agent', {})),
        respond(say('Done.')),
      ],
    },
    { name: '/root/helper', steps: [respond(say('brief answer'))] },
  ]);
  emulator = started.emulator;
  const env = serverEnv(emulator);
  server = new AppServer({ env });
  const { client } = streamClient(server);
  await client.initialize();
  const root = (await client.call('thread/start', { cwd: tempDir('spool-agents-app-'), ephemeral: true }))
    .thread;
  const { turn } = await client.call('turn/start', {
    threadId: root.id,
    input: [{ type: 'text', text: 'Go' }],
  });
  expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
  const child = client.notifications('thread/started', (p) => p.thread.id !== root.id)[0].thread;
  expect(child).toMatchObject({ ephemeral: true, parentThreadId: root.id, path: null });
  expect(fs.existsSync(path.join(env.SPOOL_HOME!, 'sessions'))).toBe(false);
  expect(client.schemaProblems()).toEqual([]);
}, 60_000);

it('thread/resume brings the root’s sub-agents back as threads of their own, shown to the client', async () => {
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Answer briefly' })),
        respond(call('wait_agent', {})),
        respond(say('Done.')),
      ],
    },
    { name: '/root/helper', steps: [respond(say('brief answer'))] },
  ]);
  emulator = started.emulator;
  const env = serverEnv(emulator);
  const work = tempDir('spool-agents-app-');
  server = new AppServer({ env });
  const first = streamClient(server).client;
  await first.initialize();
  const root = (await first.call('thread/start', { cwd: work })).thread;
  const { turn } = await first.call('turn/start', {
    threadId: root.id,
    input: [{ type: 'text', text: 'Go' }],
  });
  expect((await first.turnCompleted(turn.id)).params.turn.status).toBe('completed');
  const childId = first.notifications('thread/started', (p) => p.thread.id !== root.id)[0].thread.id;
  await server.close();

  server = new AppServer({ env });
  const { client } = streamClient(server);
  await client.initialize();
  await client.call('thread/resume', { threadId: root.id });
  const restored = client.notifications('thread/started', (p) => p.thread.id === childId);
  expect(restored).toHaveLength(1);
  expect(restored[0].thread).toMatchObject({ parentThreadId: root.id, ephemeral: false });
  // The child is loaded (it can be read), and its finished answer is not delivered twice.
  const read = await client.call('thread/read', { threadId: childId, includeTurns: true });
  expect(read.thread.turns).toHaveLength(1);
  expect(started.script.requestsOf('/root')).toHaveLength(3);
  expect(client.schemaProblems()).toEqual([]);
}, 60_000);
