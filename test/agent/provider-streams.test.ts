/**
 * The stream shapes real providers send (issue 14): refusals on both wires, answers cut short by
 * the output limit, reasoning whose encrypted state differs between `output_item.done` and
 * `response.completed`, citations, hosted tool items and in-band compaction. Each is played by the
 * emulator event for event; the next request must be one the service accepts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  call,
  type Emulator,
  refuse,
  respond,
  say,
  sayWithAnnotations,
  startEmulator,
  think,
  webSearch,
} from '../emulator/index.js';
import { threadOn, WIRES, type WireName } from '../support/thread.js';
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

type Json = Record<string, unknown>;
const tools = () => new ToolRegistry([echoTool({ runs: [] })]);
const inputOf = (e: Emulator, i: number) =>
  (e.requests[i]!.body!.input ?? e.requests[i]!.body!.messages) as Json[];
const completedMessages = (events: SpoolEvent[]) =>
  events.flatMap((event) =>
    event.type === 'item.completed' && event.item.type === 'agent_message' ? [event.item.text] : [],
  );

describe.each(WIRES)('refusals and truncation over the %s wire', (wire: WireName) => {
  it('surfaces a refusal as the answer: shown, kept in history, the turn completes', async () => {
    const e = await emulatorWith({
      script: [respond(refuse("I can't help with that request.")), respond(say('ok'))],
    });
    const { thread, events } = threadOn(e, tools(), {}, { wire });
    const outcome = await thread.runTurn('do something bad');
    expect(outcome).toMatchObject({ status: 'completed', finalMessage: "I can't help with that request." });
    expect(completedMessages(events)).toEqual(["I can't help with that request."]);
    await thread.runTurn('something else');
    expect(JSON.stringify(inputOf(e, 1))).toContain("I can't help with that request.");
    expect(e.problems).toEqual([]);
  });

  it('keeps and shows the partial answer of a response cut short by the output limit', async () => {
    const e = await emulatorWith({
      script: [
        respond(say('The first half of a long answer'), {
          terminal: { type: 'incomplete', reason: 'max_output_tokens' },
        }),
        respond(say('and the rest.')),
      ],
    });
    const { thread, events } = threadOn(e, tools(), {}, { wire });
    const outcome = await thread.runTurn('explain');
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.error.kind).toBe('incomplete');
    expect(completedMessages(events)).toEqual(['The first half of a long answer']);
    // Asking to go on sends what was said.
    await thread.runTurn('continue');
    expect(JSON.stringify(inputOf(e, 1))).toContain('The first half of a long answer');
    expect(e.problems).toEqual([]);
  });
});

describe('Responses stream shapes', () => {
  it('sends back the reasoning state of output_item.done, once, though response.completed re-encrypts it', async () => {
    const e = await emulatorWith({
      script: [
        respond(think('plan', 'gAAAAA-streamed-state'), call('echo', { text: 'x' })),
        respond(say('done')),
      ],
    });
    // A reasoning model: the request asks for the encrypted state.
    const { thread } = threadOn(e, tools(), { reasoning: { effort: 'medium', summary: 'auto' } });
    expect((await thread.runTurn('go')).status).toBe('completed');
    const reasoning = inputOf(e, 1).filter((item) => item.type === 'reasoning');
    expect(reasoning).toEqual([
      {
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'plan' }],
        encrypted_content: 'gAAAAA-streamed-state',
      },
    ]);
    expect(e.problems).toEqual([]);
  });

  it('takes a message with url citations: the text is the answer, the next request is valid', async () => {
    const annotation = {
      type: 'url_citation',
      start_index: 4,
      end_index: 11,
      title: 'Example',
      url: 'https://example.com/',
    };
    const e = await emulatorWith({
      script: [
        respond(webSearch('example'), sayWithAnnotations('See example.com for it.', [annotation])),
        respond(say('ok')),
      ],
    });
    const { thread } = threadOn(e, tools());
    expect(await thread.runTurn('search')).toMatchObject({
      status: 'completed',
      finalMessage: 'See example.com for it.',
    });
    await thread.runTurn('thanks');
    const input = inputOf(e, 1);
    // The hosted search is the service's own item: not a call Spool answers, not sent back.
    expect(input.some((item) => item.type === 'web_search_call')).toBe(false);
    expect(input.filter((item) => item.role === 'assistant')).toEqual([
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'See example.com for it.' }],
      },
    ]);
    expect(e.problems).toEqual([]);
  });

  it('keeps an in-band compaction item and sends it back in the next request', async () => {
    const e = await emulatorWith({
      script: [respond(say('compacted and answered'), { inBandCompaction: true }), respond(say('ok'))],
    });
    const { thread } = threadOn(e, tools());
    expect(await thread.runTurn('go')).toMatchObject({ finalMessage: 'compacted and answered' });
    await thread.runTurn('more');
    const compaction = inputOf(e, 1).filter((item) => item.type === 'compaction');
    expect(compaction).toHaveLength(1);
    expect(compaction[0]).toEqual({
      type: 'compaction',
      encrypted_content: expect.stringMatching(/^gAAAAA/),
    });
    expect(e.problems).toEqual([]);
  });
});

describe('Chat Completions: model facts from the catalog', () => {
  it('never sends function tools with reasoning to a family that refuses them; the turn says what to change', async () => {
    const e = await emulatorWith({ script: [respond(say('never'))] });
    const { thread, events } = threadOn(
      e,
      tools(),
      { model: 'gpt-5.6-terra', reasoning: { effort: 'high', summary: 'auto' } },
      { wire: 'chat' },
    );
    const outcome = await thread.runTurn('hi');
    expect(outcome.status).toBe('failed');
    expect(e.requests).toEqual([]);
    const failed = events.find((event) => event.type === 'turn.failed');
    expect(failed).toMatchObject({ error: { kind: 'invalid_request' } });
    expect(JSON.stringify(failed)).toContain('wire_api = \\"responses\\"');
  });
});
