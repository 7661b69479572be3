/**
 * Reading server-sent events with a bound on one event (src/model/sse.ts): events are cut at blank
 * lines whatever the line ends and chunk boundaries, events over the limit are never assembled
 * (only their ends are kept), and the SDK's stream semantics hold ([DONE], `error` payloads,
 * malformed JSON).
 */
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { EventFramer, OversizedEvent, sseEvents } from '../../src/model/sse.js';

const encoder = new TextEncoder();

async function* bytes(chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield encoder.encode(chunk);
}

async function read(chunks: string[], maxEventChars = 1_000): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const event of sseEvents(bytes(chunks), { maxEventChars })) out.push(event);
  return out;
}

/** Every way of cutting `text` in two. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

describe('sseEvents', () => {
  const stream = [
    ': keep-alive',
    'event: response.created',
    'data: {"type":"response.created"}',
    '',
    'data: {"type":"a",',
    'data: "n":1}',
    '',
    'data: {"type":"b"}',
    '',
    '',
  ];
  const expected = [{ type: 'response.created' }, { type: 'a', n: 1 }, { type: 'b' }];

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads %s line ends, cut anywhere between chunks', async (_, eol) => {
    const text = stream.join(eol);
    for (const chunks of splits(text)) expect(await read(chunks)).toEqual(expected);
    expect(await read([...text])).toEqual(expected);
  });

  it('reads a last event that has no final blank line', async () => {
    expect(await read(['data: {"x":1}\n'])).toEqual([{ x: 1 }]);
  });

  it('stops at [DONE], throws error payloads as the SDK does, and malformed JSON as a SyntaxError', async () => {
    expect(await read(['data: {"x":1}\n\ndata: [DONE]\n\ndata: {"x":2}\n\n'])).toEqual([{ x: 1 }]);
    await expect(
      read(['data: {"error":{"message":"boom","code":"server_error"}}\n\n']),
    ).rejects.toBeInstanceOf(APIError);
    await expect(read(['data: {"x":\n\n'])).rejects.toBeInstanceOf(SyntaxError);
  });

  it('never assembles an event over the limit: its ends are kept, the events around it are read', async () => {
    const huge = `event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":3,"item":{"id":"fc_9","arguments":"${'x'.repeat(50_000)}","call_id":"call_7","name":"shell"}}\n\n`;
    const text = `data: {"before":1}\n\n${huge}data: {"after":2}\n\n`;
    const chunks = text.match(/[\s\S]{1,4096}/g)!;
    const events = await read(chunks, 10_000);
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({ before: 1 });
    expect(events[2]).toEqual({ after: 2 });
    const oversized = events[1] as OversizedEvent;
    expect(oversized).toBeInstanceOf(OversizedEvent);
    expect(oversized.size).toBe(huge.length);
    expect(oversized.type).toBe('response.output_item.done');
    expect(oversized.headNumber('output_index')).toBe(3);
    expect(oversized.headString('id')).toBe('fc_9');
    expect(oversized.tailString('call_id')).toBe('call_7');
    expect(oversized.head.length + oversized.tail.length).toBeLessThanOrEqual(8192);
  });

  it('reads the usage a long event ends with', () => {
    const event = new OversizedEvent(
      1e7,
      'data: {"type":"response.completed","response":{"output":[',
      `xxx"}],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":4},"output_tokens":3},"user":null}}\n\n`,
    );
    expect(event.type).toBe('response.completed');
    expect(event.tailObject('usage')).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 4 },
      output_tokens: 3,
    });
  });
});

describe('EventFramer', () => {
  it('reports an event over the limit once, at its end, and reads on after it', () => {
    const seen: string[] = [];
    const oversized: OversizedEvent[] = [];
    const framer = new EventFramer(
      100_000,
      (text) => seen.push(text),
      (event) => oversized.push(event),
    );
    const part = 'y'.repeat(65_536);
    framer.push('data: "');
    for (let i = 0; i < 200; i++) framer.push(part);
    expect(oversized).toEqual([]);
    framer.push('"\n\ndata: 1\n\n');
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.size).toBe(200 * 65_536 + 'data: "'.length + 3);
    expect(oversized[0]!.head.startsWith('data: "yyy')).toBe(true);
    expect(oversized[0]!.tail.endsWith('yyy"\n\n')).toBe(true);
    expect(seen).toEqual(['data: 1\n\n']);
  });
});
