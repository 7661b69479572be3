/**
 * Forks: a fork at turn N, resumed with the prompt the original got at turn N+1, sends the bytes
 * the original sent then (only the thread id differs); the original's file is never touched.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeSession, startSession } from '../../src/session/recorded.js';
import { readRollout } from '../../src/store/rollout-reader.js';
import { forkSession } from '../../src/store/sessions.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  say,
  startEmulator,
  think,
} from '../emulator/index.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';
import { echoTool } from '../support/tools.js';
import { inputOf, rolloutOf, storeEnv } from './support.js';

const PROMPTS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** Answers by the last prompt: the first turn calls a tool, every other turn just answers. */
function script(request: RecordedRequest) {
  const input = inputOf(request);
  const last = input.at(-1) as { type: string; content?: Array<{ text: string }> };
  const prompt = last.type === 'message' ? last.content?.[0]?.text : undefined;
  if (prompt === 'first') return respond(think('use the tool'), call('echo', { text: 'one' }, 'call_1'));
  if (last.type === 'function_call_output') return respond(say('Tool used.'));
  return respond(say(`Answer to ${prompt}.`));
}

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** The first request of each turn, by prompt. */
function turnRequests(e: Emulator): Map<string, RecordedRequest> {
  const byPrompt = new Map<string, RecordedRequest>();
  for (const request of e.requests) {
    const last = inputOf(request).at(-1) as { type: string; content?: Array<{ text: string }> };
    const text = last.type === 'message' ? last.content?.[0]?.text : undefined;
    if (text && !byPrompt.has(text)) byPrompt.set(text, request);
  }
  return byPrompt;
}

describe('fork', () => {
  it('forks at every turn of a 4-turn session (library)', async () => {
    emulator = await startEmulator({ script });
    const home = tempDir('spool-home-');
    const runtime = {
      client: clientFor('responses', emulator.url),
      settings: testSettings({ spoolHome: home }),
      tools: new ToolRegistry([echoTool({ runs: [] })]),
    };
    const original = startSession({ ...runtime, home, providerId: 'openai' });
    for (const prompt of PROMPTS.slice(0, 4)) await original.thread.runTurn(prompt);
    await original.thread.close();
    // The original continued, for the fork at its last turn to compare with.
    const continued = resumeSession({ ...runtime, home, session: { id: original.thread.id } });
    await continued.thread.runTurn('fifth');
    await continued.thread.close();
    const originalBytes = fs.readFileSync(original.path);
    const sent = turnRequests(emulator);

    for (let at = 1; at <= 4; at++) {
      const fork = forkSession(home, { id: original.thread.id }, { at });
      expect(fork.turns).toBe(at);
      expect(readRollout(fork.path).meta.forked_from).toEqual({ thread_id: original.thread.id, turn: at });
      const before = emulator.requests.length;
      const resumed = resumeSession({ ...runtime, home, session: { id: fork.id } });
      await resumed.thread.runTurn(PROMPTS[at]!);
      await resumed.thread.close();
      const expected = sent.get(PROMPTS[at]!)!.bodyText.replaceAll(original.thread.id, fork.id);
      expect(emulator.requests[before]!.bodyText, `fork at turn ${at}`).toBe(expected);
    }
    expect(fs.readFileSync(original.path).equals(originalBytes)).toBe(true);
    expect(emulator.problems).toEqual([]);
  });

  it('spool fork prints the new id (or JSON) and the fork resumes with the same bytes (the built binary)', async () => {
    emulator = await startEmulator({ script });
    const env = storeEnv(emulator);
    const workdir = tempDir();
    const flags = ['--json', '--skip-git-repo-check', '-s', 'danger-full-access'];
    const first = await runSpool(['exec', ...flags, '-C', workdir, 'first'], { env });
    expect(first.code, first.stderr).toBe(0);
    const id = jsonLines(first.stdout)[0]!.thread_id as string;
    expect((await runSpool(['exec', 'resume', id, ...flags, 'second'], { env })).code).toBe(0);
    const originalBytes = fs.readFileSync(rolloutOf(env.SPOOL_HOME!, id));

    const forked = await runSpool(['fork', '--last', '--at', '1', '--json'], { env, cwd: workdir });
    expect(forked.code, forked.stderr).toBe(0);
    const fork = JSON.parse(forked.stdout) as { id: string; forked_from: unknown; turns: number };
    expect(fork).toMatchObject({ forked_from: { thread_id: id, turn: 1 }, turns: 1 });
    const plain = await runSpool(['fork', id.slice(0, 20)], { env });
    expect(plain.stdout).toMatch(/^[0-9a-f-]{36}\n$/);

    const before = emulator.requests.length;
    const resumed = await runSpool(['exec', 'resume', fork.id, ...flags, 'second'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const expected = turnRequests(emulator).get('second')!.bodyText.replaceAll(id, fork.id);
    expect(emulator.requests[before]!.bodyText).toBe(expected);
    expect(fs.readFileSync(rolloutOf(env.SPOOL_HOME!, id)).equals(originalBytes)).toBe(true);

    const tooFar = await runSpool(['fork', id, '--at', '3'], { env });
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(/has 2 turn\(s\); cannot fork at turn 3/);
    expect((await runSpool(['fork', id, '--at', 'zero'], { env })).code).toBe(2);
  });
});
