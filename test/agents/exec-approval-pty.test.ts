/**
 * A sub-agent's approval request on a real terminal (a tmux pane, the built binary): the question
 * names the agent, and the person's answer goes back to that agent — `y` runs its command, `n`
 * declines it (the child's model is told).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { call, type Emulator, respond, say } from '../emulator/index.js';
import { startTree, toolOutputs } from '../support/agents.js';
import { tempDir } from '../support/thread.js';
import { hasTmux, spoolCommand, Tmux } from '../support/tmux.js';

let tmux: Tmux | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  tmux?.kill();
  tmux = undefined;
  await emulator?.close();
  emulator = undefined;
});

const PROMPT = '[esc] no, and stop the turn:';

function escalated(command: string) {
  return call('shell', {
    command: ['bash', '-c', command],
    sandbox_permissions: 'require_escalated',
    justification: 'needed for the task',
  });
}

it('asks the person for a child’s approvals, naming the child; y runs, n declines', async () => {
  expect(hasTmux(), 'tmux is needed for this test (CI installs it in .ci/run)').toBe(true);
  const workdir = tempDir('spool-agents-pty-work-');
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Touch two files' })),
        respond(call('wait_agent', {})),
        respond(say('All done.')),
      ],
    },
    {
      name: '/root/helper',
      steps: [
        respond(escalated('touch approved.txt')),
        respond(escalated('touch denied.txt')),
        respond(say('helper finished')),
      ],
    },
  ]);
  emulator = started.emulator;
  tmux = new Tmux(tempDir('spool-agents-tmux-'));
  tmux.start(
    spoolCommand([
      'exec',
      '--skip-git-repo-check',
      '-s',
      'workspace-write',
      '-a',
      'on-request',
      '-C',
      workdir,
      'Go',
    ]),
    {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? workdir,
      LANG: 'C.UTF-8',
      TERM: 'tmux-256color',
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: tempDir('spool-agents-pty-home-'),
    },
    workdir,
    240,
  );
  await tmux.see(PROMPT, 30_000);
  expect(tmux.capture()).toContain('Agent /root/helper asks:');
  expect(tmux.capture()).toContain('touch approved.txt');
  tmux.keys('y');
  await expect.poll(() => fs.existsSync(path.join(workdir, 'approved.txt')), { timeout: 15_000 }).toBe(true);
  await expect.poll(() => tmux!.capture().split(PROMPT).length - 1, { timeout: 15_000 }).toBe(2);
  tmux.keys('n');
  await expect.poll(() => tmux!.exitStatus(), { timeout: 20_000 }).toBe('0');
  expect(fs.existsSync(path.join(workdir, 'denied.txt'))).toBe(false);
  const helper = started.script.requestsOf('/root/helper');
  expect(toolOutputs(helper.at(-1)).at(-1)).toContain('rejected by user');
  expect(started.script.requestsOf('/root')).toHaveLength(3);
}, 90_000);
