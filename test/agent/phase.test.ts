/**
 * `phase` on assistant messages (issue 14, item 1): current Codex models label their messages
 * `commentary` or `final_answer`, and the API asks for the label back on every assistant message.
 * It is kept in history, in the rollout, across resume, fork and remote compaction, and front ends
 * tell the two apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { resumeSession, startSession } from '../../src/session/recorded.js';
import { forkSession } from '../../src/store/sessions.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { clientFor, tempDir, testSettings, threadOn } from '../support/thread.js';
import { echoTool } from '../support/tools.js';

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function emulatorWith(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const e = await startEmulator(options);
  emulators.push(e);
  return e;
}

/** A response that narrates, calls a tool, then one with the final answer; then a second turn. */
function phasedScript() {
  return [
    respond(say('I will look at the file first.', 'commentary'), call('echo', { text: 'x' }, 'call_1')),
    respond(say('The file says x.', 'final_answer')),
    respond(say('Still x.', 'final_answer')),
  ];
}

type Json = Record<string, unknown>;
const assistantMessages = (input: unknown) =>
  (input as Json[]).filter((item) => item.type === 'message' && item.role === 'assistant');

describe('phase on assistant messages', () => {
  it('sends every assistant message back with its phase, and the final answer is the final message', async () => {
    const e = await emulatorWith({ script: phasedScript() });
    const { thread, events } = threadOn(e, new ToolRegistry([echoTool({ runs: [] })]));
    const outcome = await thread.runTurn('what is in the file?');
    expect(outcome).toMatchObject({ status: 'completed', finalMessage: 'The file says x.' });
    await thread.runTurn('and now?');

    expect(assistantMessages(e.requests[1]!.body!.input)).toEqual([
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'I will look at the file first.' }],
        phase: 'commentary',
      },
    ]);
    expect(assistantMessages(e.requests[2]!.body!.input).map((m) => m.phase)).toEqual([
      'commentary',
      'final_answer',
    ]);
    // Front ends see the phase from the start of the streamed item to its end.
    const messageEvents = events.filter(
      (event): event is Extract<SpoolEvent, { type: 'item.started' | 'item.completed' }> =>
        (event.type === 'item.started' || event.type === 'item.completed') &&
        event.item.type === 'agent_message',
    );
    expect(messageEvents.map((event) => [event.type, (event.item as { phase?: string }).phase])).toEqual([
      ['item.started', 'commentary'],
      ['item.completed', 'commentary'],
      ['item.started', 'final_answer'],
      ['item.completed', 'final_answer'],
      ['item.started', 'final_answer'],
      ['item.completed', 'final_answer'],
    ]);
    expect(e.problems).toEqual([]);
  });

  it('keeps the phase across resume and fork: the next request carries it', async () => {
    const cwd = tempDir();
    const home = tempDir('spool-home-');
    const e = await emulatorWith({
      script: [
        ...phasedScript().slice(0, 2),
        respond(say('resumed', 'final_answer')),
        respond(say('forked')),
      ],
    });
    const runtime = () => ({
      client: clientFor('responses', e.url),
      settings: testSettings({ cwd, spoolHome: home }),
      tools: new ToolRegistry([echoTool({ runs: [] })]),
    });
    const first = startSession({ ...runtime(), home, providerId: 'openai' });
    expect((await first.thread.runTurn('look')).status).toBe('completed');
    await first.thread.close();

    const resumed = resumeSession({ ...runtime(), home, session: { id: first.thread.id } });
    await resumed.thread.runTurn('again');
    await resumed.thread.close();
    expect(assistantMessages(e.requests[2]!.body!.input).map((m) => m.phase)).toEqual([
      'commentary',
      'final_answer',
    ]);

    const fork = forkSession(home, { id: first.thread.id });
    const forked = resumeSession({ ...runtime(), home, session: { id: fork.id } });
    await forked.thread.runTurn('from the fork');
    await forked.thread.close();
    expect(assistantMessages(e.requests[3]!.body!.input).map((m) => m.phase)).toEqual([
      'commentary',
      'final_answer',
      'final_answer',
    ]);
  });

  it('keeps the phase of assistant messages a remote compaction returns', async () => {
    const e = await emulatorWith({
      script: [respond(say('first', 'final_answer')), respond(say('after compaction'))],
      compact: [
        {
          output: [
            {
              id: 'msg_c1',
              type: 'message',
              status: 'completed',
              role: 'user',
              content: [{ type: 'input_text', text: 'hello' }],
            },
            {
              id: 'msg_c2',
              type: 'message',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'first' }],
              phase: 'final_answer',
            },
            { id: 'cmp_1', type: 'compaction', encrypted_content: 'opaque' },
          ],
        },
      ],
    });
    const { thread } = threadOn(e, new ToolRegistry([echoTool({ runs: [] })]));
    await thread.runTurn('hello');
    expect(await thread.compact()).toBe(true);
    await thread.runTurn('next');
    const sent = assistantMessages(e.requests.at(-1)!.body!.input);
    expect(sent).toEqual([
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'first' }],
        phase: 'final_answer',
      },
    ]);
    expect(e.problems).toEqual([]);
  });

  it('treats phase: null as unlabelled (left out of history), and drops nothing', async () => {
    const e = await emulatorWith({ script: [respond(say('plain', null)), respond(say('ok'))] });
    const { thread } = threadOn(e, new ToolRegistry([echoTool({ runs: [] })]));
    expect(await thread.runTurn('a')).toMatchObject({ finalMessage: 'plain' });
    await thread.runTurn('b');
    expect(assistantMessages(e.requests[1]!.body!.input)).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'plain' }] },
    ]);
  });

  it('chat wire: phase has no chat form and is not sent there', async () => {
    const e = await emulatorWith({ script: phasedScript() });
    const { thread } = threadOn(e, new ToolRegistry([echoTool({ runs: [] })]), {}, { wire: 'chat' });
    expect(await thread.runTurn('look')).toMatchObject({ status: 'completed' });
    expect(JSON.stringify(e.requests[1]!.body)).not.toContain('phase');
    expect(e.problems).toEqual([]);
  });
});
