/**
 * The Responses API's stream as a server writes it: numbered events (`type` and `sequence_number`
 * on every data object, from 0, contiguous) framed as `event: <type>\ndata: <json>\n\n`. One source
 * for whatever serves this wire: Spool's replay server (src/eval/) and the test emulator
 * (test/emulator/) both build their streams with it; sse.ts and responses-events.ts read it.
 */

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The padding OpenAI adds to delta events (`obfuscation`), by event index and delta length. */
export type DeltaPadding = (index: number, deltaLength: number) => string;

/** Accumulates events, numbering them in order. */
export class EventLog {
  readonly events: SseEvent[] = [];
  constructor(private readonly padding?: DeltaPadding) {}

  push(type: string, fields: Record<string, unknown>): void {
    const data = { type, sequence_number: this.events.length, ...fields };
    this.events.push({ event: type, data });
  }

  /** A delta event, with the `obfuscation` padding when the stream has it. */
  pushDelta(type: string, fields: Record<string, unknown> & { delta: string }): void {
    const extra = this.padding ? { obfuscation: this.padding(this.events.length, fields.delta.length) } : {};
    this.push(type, { ...fields, ...extra });
  }
}

/** One event as an SSE frame. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
