/**
 * Sub-agents in the interactive session (in process, headless terminal): the view follows its own
 * thread — a child's turn does not end the root's — says when an agent starts and ends, and a
 * child's approval modal names the agent; `y` goes back to that child.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { serverEnv } from '../app-server/support/harness.js';
import { call, type Emulator, respond, say } from '../emulator/index.js';
import { startTree } from '../support/agents.js';
import { tempDir } from '../support/thread.js';
import { startInteractive } from '../tui/support/interactive.js';

let emulator: Emulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

it('names the agent in its approval modal and keeps the root’s turn on screen', async () => {
  const work = tempDir('spool-agents-tui-work-');
  const home = tempDir('spool-agents-tui-home-');
  dirs.push(work, home);
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Make the marker' })),
        respond(call('wait_agent', {})),
        respond(say('The helper made it.')),
      ],
    },
    {
      name: '/root/helper',
      steps: [
        respond(
          call('shell', {
            command: ['bash', '-c', 'touch marker.txt'],
            sandbox_permissions: 'require_escalated',
            justification: 'needed',
          }),
        ),
        respond(say('marker made')),
      ],
    },
  ]);
  emulator = started.emulator;
  const { io, see, text, done } = startInteractive(
    { approvalPolicy: 'on-request', sandbox: 'workspace-write', cwd: work },
    serverEnv(emulator, { SPOOL_HOME: home }),
    120,
    30,
  );
  await see('ask on-request');
  io.type('delegate it\r');
  await see('Agent /root/helper asks:');
  expect(text()).toContain('agent /root/helper started');
  expect(fs.existsSync(path.join(work, 'marker.txt'))).toBe(false);
  io.type('y');
  await see('The helper made it.');
  expect(fs.existsSync(path.join(work, 'marker.txt'))).toBe(true);
  expect(text()).toContain('agent /root/helper: turn completed');
  // The child's own answer stays in its thread; the root's view shows the root's.
  expect(text()).not.toContain('marker made');
  // /agents lists the tree with each agent's status.
  io.type('/agents\r');
  await see('/root  (this view)');
  expect(text()).toMatch(/ {2}\/root\/helper {2}completed {2}\S+/);
  // /agents PATH shows the child's own conversation, read-only.
  io.type('/agents helper\r');
  await see('end of /root/helper');
  expect(text()).toContain('agent /root/helper (read-only)');
  expect(text()).toContain('marker made');
  io.type('\x03');
  io.type('\x03');
  expect(await done).toBe(0);
});
