import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { call, type Emulator, respond, say, shellCall } from '../emulator/index.js';
import {
  agentMessages,
  execKilledOnceExists,
  finalAnswerSenders,
  inputOf,
  sessionMetas,
  startTree,
  toolOutputs,
} from '../support/agents.js';
import { perTestScratch } from '../support/scratch.js';
import { runSpool } from '../support/spool-bin.js';

let emulator: Emulator | undefined;
const { dir, use } = perTestScratch();

it('restores the tree after kill -9: the child goes on, nothing runs twice, the answer reaches the root', async () => {
  const home = dir('spool-agents-home-');
  const work = dir('spool-agents-work-');
  fs.writeFileSync(path.join(home, 'config.toml'), '');
  const count = path.join(work, 'count.txt');
  const started = await startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Count once' })),
        respond(call('wait_agent', { timeout_ms: 600_000 })),
        // After the restart:
        respond(call('wait_agent', { timeout_ms: 600_000 })),
        respond(say('Finished after the restart.')),
      ],
    },
    {
      name: '/root/helper',
      steps: [
        // Counts, then takes long enough to be killed in the middle.
        respond(shellCall(`echo run >> ${count} && sleep 8`)),
        respond(say('Counted once.')),
      ],
    },
  ]);
  emulator = use(started.emulator);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OPENAI_BASE_URL: emulator.url,
    OPENAI_API_KEY: 'test-key',
    SPOOL_HOME: home,
  };

  // The first process: killed (SIGKILL) while the child's command runs and the root waits.
  await execKilledOnceExists(count, work, env);

  const metas = sessionMetas(home);
  const rootId = metas.get('/root')?.id as string;
  const second = await runSpool(['exec', 'resume', rootId, '-s', 'workspace-write', 'Carry on'], {
    cwd: work,
    env,
  });
  expect(second.code, second.stderr).toBe(0);
  expect(second.stdout, second.stderr).toBe('Finished after the restart.\n');
  // The command ran once: the restored child was told it was cut short, not made to run it again.
  expect(fs.readFileSync(count, 'utf8')).toBe('run\n');
  const helper = started.script.requestsOf('/root/helper');
  expect(helper, second.stderr).toHaveLength(2);
  expect(toolOutputs(helper[1])).toEqual(['aborted']);
  expect(JSON.stringify(inputOf(helper[1]!))).toContain(
    'The process running you stopped before your turn ended',
  );
  const key = (r: (typeof helper)[number]) => (r.body as { prompt_cache_key: string }).prompt_cache_key;
  expect(key(helper[1]!)).toBe(key(helper[0]!));
  // The root (same thread) got the answer in its resumed turn.
  const root = started.script.requestsOf('/root');
  expect(root).toHaveLength(4);
  expect(finalAnswerSenders(root[3]!)).toEqual(['/root/helper']);
  expect(agentMessages(root[3]!).join('\n')).toContain('Counted once.');
  expect(key(root[3]!)).toBe(key(root[0]!));
  // No new child session: the same one was continued.
  expect([...sessionMetas(home).keys()].sort()).toEqual(['/root', '/root/helper']);
}, 90_000);
