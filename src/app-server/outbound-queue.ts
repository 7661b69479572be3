/**
 * What waits for one client: messages the transport could not take yet.
 *
 * Messages go straight to the transport while it keeps up. Once it reports its buffer full, they
 * queue here, and this is where a slow client is kept from growing memory without bound:
 *
 * - Streaming deltas (assistant text, reasoning, command output) are merged with the delta queued
 *   right before them for the same item, so a backlog is one message per item, not thousands.
 * - Above `softBytes` queued, new deltas are dropped, and so is every later delta of the same item:
 *   what a client receives of an item's deltas is always a prefix of its text, and the item's
 *   `item/completed` (never dropped) carries the whole of it.
 * - Above `softBytes` the connection also stops reading the client's requests (`onHigh`) until the
 *   queue is below half of it (`onLow`): a client cannot ask for more while it does not read.
 * - Above `hardBytes` (responses and item notifications are never dropped) the client is not
 *   reading at all: `onOverflow` disconnects it.
 */

interface OutboundSink {
  /** Hands one serialized message to the transport; false when its buffer is full (still accepted). */
  write(text: string): boolean;
}

interface OutboundHooks {
  onHigh(): void;
  onLow(): void;
  onOverflow(): void;
}

interface QueuedDelta {
  key: string;
  method: string;
  params: { delta: string } & Record<string, unknown>;
}

interface Entry {
  text?: string;
  delta?: QueuedDelta;
  bytes: number;
}

/** Envelope bytes counted for a queued delta besides its text. */
const DELTA_OVERHEAD = 256;
/** Items remembered as lossy (their deltas are being dropped); the oldest are forgotten first. */
const LOSSY_MEMORY = 4096;

export class OutboundQueue {
  private readonly entries: Entry[] = [];
  private head = 0;
  private queuedBytes = 0;
  private blocked = false;
  private high = false;
  private overflowed = false;
  private readonly lossy = new Set<string>();
  droppedDeltas = 0;

  constructor(
    private readonly sink: OutboundSink,
    private readonly limits: { softBytes: number; hardBytes: number },
    private readonly hooks: OutboundHooks,
  ) {}

  get bytes(): number {
    return this.queuedBytes;
  }

  /** A message that must arrive (responses, requests, lifecycle notifications). */
  send(text: string): void {
    if (!this.blocked && this.size() === 0) {
      this.blocked = !this.sink.write(text);
      return;
    }
    this.push({ text, bytes: Buffer.byteLength(text) });
  }

  /** A streaming delta of item `key`: merged or dropped when the client is behind. */
  sendDelta(key: string, method: string, params: { delta: string } & Record<string, unknown>): void {
    if (this.lossy.has(key)) {
      this.droppedDeltas++;
      return;
    }
    if (!this.blocked && this.size() === 0) {
      this.blocked = !this.sink.write(JSON.stringify({ method, params }));
      return;
    }
    if (this.queuedBytes >= this.limits.softBytes) {
      this.droppedDeltas++;
      this.lossy.add(key);
      if (this.lossy.size > LOSSY_MEMORY) this.lossy.delete(this.lossy.values().next().value as string);
      return;
    }
    const tail = this.entries[this.entries.length - 1];
    if (this.size() > 0 && tail?.delta?.key === key && tail.delta.method === method) {
      tail.delta.params = { ...tail.delta.params, delta: tail.delta.params.delta + params.delta };
      tail.bytes += Buffer.byteLength(params.delta);
      this.queuedBytes += Buffer.byteLength(params.delta);
      this.checkBounds();
      return;
    }
    this.push({ delta: { key, method, params }, bytes: Buffer.byteLength(params.delta) + DELTA_OVERHEAD });
  }

  /** The transport can take more. */
  drained(): void {
    this.blocked = false;
    while (!this.blocked && this.size() > 0) {
      const entry = this.entries[this.head]!;
      this.entries[this.head] = { bytes: 0 };
      this.head++;
      this.queuedBytes -= entry.bytes;
      const text = entry.text ?? JSON.stringify({ method: entry.delta!.method, params: entry.delta!.params });
      this.blocked = !this.sink.write(text);
    }
    if (this.size() === 0) {
      this.entries.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (this.high && this.queuedBytes < this.limits.softBytes / 2) {
      this.high = false;
      this.hooks.onLow();
    }
  }

  private size(): number {
    return this.entries.length - this.head;
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    this.queuedBytes += entry.bytes;
    this.checkBounds();
  }

  private checkBounds(): void {
    if (!this.high && this.queuedBytes >= this.limits.softBytes) {
      this.high = true;
      this.hooks.onHigh();
    }
    if (!this.overflowed && this.queuedBytes > this.limits.hardBytes) {
      this.overflowed = true;
      this.hooks.onOverflow();
    }
  }
}
