/** The JSON-RPC reader and the bounded per-client queue, without a server. */
import { describe, expect, it } from 'vitest';
import { parseIncoming } from '../../src/app-server/jsonrpc.js';
import { OutboundQueue } from '../../src/app-server/outbound-queue.js';

describe('parseIncoming', () => {
  it('reads requests, notifications and responses, with or without "jsonrpc"', () => {
    expect(parseIncoming('{"id":1,"method":"a","params":{"x":1}}')).toEqual({
      kind: 'request',
      id: 1,
      method: 'a',
      params: { x: 1 },
    });
    expect(parseIncoming('{"jsonrpc":"2.0","id":"s","method":"a"}')).toMatchObject({
      kind: 'request',
      id: 's',
    });
    expect(parseIncoming('{"method":"initialized"}')).toMatchObject({
      kind: 'notification',
      method: 'initialized',
    });
    expect(parseIncoming('{"id":3,"result":null}')).toEqual({ kind: 'response', id: 3, result: null });
    expect(parseIncoming('{"id":3,"error":{"code":-1,"message":"no"}}')).toMatchObject({
      kind: 'errorResponse',
    });
  });

  it('classifies what it cannot act on, keeping the id when it can be read', () => {
    const cases: Array<[string, number, unknown, RegExp]> = [
      ['{', -32700, null, /^Parse error/],
      ['"text"', -32600, null, /a JSON object \(got a string\)/],
      ['[]', -32600, null, /batch requests are not supported/],
      ['{"id":1.5,"method":"a"}', -32600, null, /"id" must be a string or an integer/],
      ['{"id":2,"method":7}', -32600, 2, /"method" must be a non-empty string/],
      ['{"id":2}', -32600, 2, /needs "method"/],
      ['{"id":2,"error":"bad"}', -32600, 2, /"error" must be an object/],
      ['{"jsonrpc":"1.0","id":4,"method":"a"}', -32600, 4, /"jsonrpc" must be "2.0"/],
    ];
    for (const [text, code, id, message] of cases) {
      const parsed = parseIncoming(text);
      expect(parsed.kind, text).toBe('invalid');
      if (parsed.kind !== 'invalid') continue;
      expect(parsed.error.code, text).toBe(code);
      expect(parsed.id, text).toBe(id);
      expect(parsed.error.message, text).toMatch(message);
    }
  });
});

/** A transport stand-in: takes every message, and reports itself full while `full` is set. */
function sink(full: boolean) {
  const written: string[] = [];
  return {
    written,
    full,
    write(text: string) {
      written.push(text);
      return !this.full;
    },
  };
}

const delta = (itemId: string, text: string) => ({ threadId: 't', turnId: 'u', itemId, delta: text });

describe('OutboundQueue', () => {
  it('writes straight through while the transport keeps up', () => {
    const out = sink(false);
    const queue = new OutboundQueue(
      out,
      { softBytes: 1000, hardBytes: 10_000 },
      { onHigh() {}, onLow() {}, onOverflow() {} },
    );
    queue.send('{"id":1,"result":{}}');
    queue.sendDelta('i', 'item/agentMessage/delta', delta('i', 'a'));
    expect(out.written).toHaveLength(2);
    expect(queue.bytes).toBe(0);
  });

  it('merges the deltas of one item while the client is behind, and keeps order', () => {
    const out = sink(true);
    const queue = new OutboundQueue(
      out,
      { softBytes: 10_000, hardBytes: 100_000 },
      { onHigh() {}, onLow() {}, onOverflow() {} },
    );
    queue.send('{"method":"first","params":{}}');
    for (const piece of ['Hel', 'lo ', 'world'])
      queue.sendDelta('i', 'item/agentMessage/delta', delta('i', piece));
    queue.send('{"method":"item/completed","params":{}}');
    queue.sendDelta('j', 'item/agentMessage/delta', delta('j', 'next'));
    expect(out.written).toHaveLength(1);
    out.full = false;
    queue.drained();
    expect(out.written.slice(1).map((text) => JSON.parse(text))).toEqual([
      { method: 'item/agentMessage/delta', params: delta('i', 'Hello world') },
      { method: 'item/completed', params: {} },
      { method: 'item/agentMessage/delta', params: delta('j', 'next') },
    ]);
  });

  it('drops deltas above the soft limit (every later one of the item too) and pauses input until half', () => {
    const out = sink(true);
    const events: string[] = [];
    const queue = new OutboundQueue(
      out,
      { softBytes: 2000, hardBytes: 100_000 },
      {
        onHigh: () => events.push('high'),
        onLow: () => events.push('low'),
        onOverflow: () => events.push('overflow'),
      },
    );
    queue.send('{"method":"start","params":{}}');
    queue.sendDelta('i', 'item/agentMessage/delta', delta('i', 'x'.repeat(1500)));
    queue.send(JSON.stringify({ method: 'other', params: { pad: 'y'.repeat(600) } }));
    expect(events).toEqual(['high']);
    queue.sendDelta('i', 'item/agentMessage/delta', delta('i', 'dropped'));
    queue.sendDelta('k', 'item/agentMessage/delta', delta('k', 'dropped too'));
    expect(queue.droppedDeltas).toBe(2);
    out.full = false;
    queue.drained();
    expect(events).toEqual(['high', 'low']);
    // Still lossy: a later delta of `i` would leave a gap, so it is dropped as well.
    queue.sendDelta('i', 'item/agentMessage/delta', delta('i', 'late'));
    expect(queue.droppedDeltas).toBe(3);
    expect(out.written.join('\n')).not.toContain('dropped');
  });

  it('reports an overflow when messages that cannot be dropped pass the hard limit', () => {
    const out = sink(true);
    const events: string[] = [];
    const queue = new OutboundQueue(
      out,
      { softBytes: 100, hardBytes: 1000 },
      { onHigh: () => events.push('high'), onLow() {}, onOverflow: () => events.push('overflow') },
    );
    queue.send('{}');
    for (let i = 0; i < 20; i++) queue.send(JSON.stringify({ id: i, result: { pad: 'z'.repeat(100) } }));
    expect(events).toEqual(['high', 'overflow']);
  });
});
