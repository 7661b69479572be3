/**
 * A model request as it was sent, kept in the rollout as a compact `request` line (one per attempt,
 * written just before it is sent), so a replay can check that today's Spool builds the same bytes
 * (`spool replay --check`, src/eval/).
 *
 * Compact: the whole body is kept only as a digest. Its parts are digested one by one so a
 * divergence can be named. The instructions and the tools (large, and the same in nearly every
 * session) are kept once per Spool home under their digest (store/request-parts.ts); the remaining
 * fields are written out when they differ from the previous request line of the log; the input is
 * not written at all — it is the history the log already holds (items are stored with the key
 * order that was sent), rebuilt by a reader at the line.
 */

export const REQUEST_LINE_VERSION = 1;

export interface RequestRecord {
  /** The shape of this payload (REQUEST_LINE_VERSION). */
  v: number;
  /** The wire the body was sent on. */
  wire: 'responses' | 'chat';
  /** sha256 (hex) of the body's bytes as sent (UTF-8 JSON). */
  sha256: string;
  bytes: number;
  /** Digests of the parts: the instructions, the tools, the input (Chat: the messages), the rest. */
  parts: { instructions: string; tools: string; input: string; rest: string };
  /** How many input items (Chat: messages) the body carried. */
  input_items: number;
  /**
   * Every field but instructions, tools and the input (model, reasoning, tool_choice, …); present
   * when different from the previous request line of the log (always on the first).
   */
  rest?: Record<string, unknown>;
}
