/**
 * History items: what Spool sends to and receives from the model, in the Responses API's shapes.
 *
 * These schemas are the single source of truth for the wire. Their key order is the order zod emits
 * when it parses, and parsing is how every item enters history, so two equal items always serialise
 * to the same bytes — the property the provider's prefix cache depends on.
 *
 * Item ids (`msg_…`, `fc_…`, `rs_…`) are deliberately not part of history: with `store: false` the
 * provider keeps nothing, and sending an id it cannot resolve is an error. Codex drops them too.
 */
import { z } from 'zod';

const InputTextPart = z.object({ type: z.literal('input_text'), text: z.string() });
const OutputTextPart = z.object({ type: z.literal('output_text'), text: z.string() });
const InputImagePart = z.object({
  type: z.literal('input_image'),
  image_url: z.string(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
export const ContentPart = z.discriminatedUnion('type', [InputTextPart, OutputTextPart, InputImagePart]);
export type ContentPart = z.infer<typeof ContentPart>;

const MessageRole = z.enum(['developer', 'user', 'assistant', 'system']);

/**
 * What an assistant message is, as current Codex models label it: `commentary` (progress said
 * while working) or `final_answer`. The API asks clients to send it back on every assistant message
 * (dropping it degrades those models), so it is kept as the provider sent it — a value Spool does
 * not know yet included.
 */
export const MessagePhase = z.string();
export type MessagePhase = z.infer<typeof MessagePhase>;
export const COMMENTARY_PHASE = 'commentary';

export const MessageItem = z.object({
  type: z.literal('message'),
  role: MessageRole,
  content: z.array(ContentPart),
  phase: MessagePhase.optional(),
});
export type MessageItem = z.infer<typeof MessageItem>;

export const FunctionCallItem = z.object({
  type: z.literal('function_call'),
  name: z.string(),
  arguments: z.string(),
  call_id: z.string(),
});
export type FunctionCallItem = z.infer<typeof FunctionCallItem>;

/** Output of a function tool: plain text, or content parts (e.g. an image an MCP tool returned). */
const FunctionCallOutputContent = z.discriminatedUnion('type', [InputTextPart, InputImagePart]);
export const FunctionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  call_id: z.string(),
  output: z.union([z.string(), z.array(FunctionCallOutputContent)]),
});
export type FunctionCallOutputItem = z.infer<typeof FunctionCallOutputItem>;

export const CustomToolCallItem = z.object({
  type: z.literal('custom_tool_call'),
  name: z.string(),
  input: z.string(),
  call_id: z.string(),
});
export type CustomToolCallItem = z.infer<typeof CustomToolCallItem>;

export const CustomToolCallOutputItem = z.object({
  type: z.literal('custom_tool_call_output'),
  call_id: z.string(),
  output: z.string(),
});
export type CustomToolCallOutputItem = z.infer<typeof CustomToolCallOutputItem>;

const SummaryText = z.object({ type: z.literal('summary_text'), text: z.string() });
const ReasoningText = z.object({ type: z.literal('reasoning_text'), text: z.string() });

/**
 * A reasoning item. `encrypted_content` is opaque model state (zero-data-retention): it goes back to
 * the provider in later requests exactly as it came.
 */
const ReasoningItem = z.object({
  type: z.literal('reasoning'),
  summary: z.array(SummaryText),
  content: z.array(ReasoningText).optional(),
  encrypted_content: z.string().nullable().optional(),
});

/** OpenAI's compaction item: the opaque state `/responses/compact` returns in place of history. */
const CompactionItem = z.object({
  type: z.literal('compaction'),
  encrypted_content: z.string(),
});

export const HistoryItem = z.discriminatedUnion('type', [
  MessageItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  CustomToolCallItem,
  CustomToolCallOutputItem,
  ReasoningItem,
  CompactionItem,
]);
export type HistoryItem = z.infer<typeof HistoryItem>;

export type ToolCallItem = FunctionCallItem | CustomToolCallItem;
export type ToolOutputItem = FunctionCallOutputItem | CustomToolCallOutputItem;

export function isToolCall(item: HistoryItem): item is ToolCallItem {
  return item.type === 'function_call' || item.type === 'custom_tool_call';
}

export function isToolOutput(item: HistoryItem): item is ToolOutputItem {
  return item.type === 'function_call_output' || item.type === 'custom_tool_call_output';
}

/** Parses anything item-shaped (e.g. from the wire, with ids and statuses) into canonical form. */
export function toHistoryItem(raw: unknown): HistoryItem | undefined {
  const parsed = HistoryItem.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export function userText(text: string): MessageItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** The concatenated text of a message (output_text and input_text parts). */
export function messageText(item: MessageItem): string {
  return item.content.map((part) => (part.type === 'input_image' ? '' : part.text)).join('');
}

/** The output item that answers `call`, with the given text. */
export function toolOutputFor(call: ToolCallItem, output: string): ToolOutputItem {
  return call.type === 'function_call'
    ? { type: 'function_call_output', call_id: call.call_id, output }
    : { type: 'custom_tool_call_output', call_id: call.call_id, output };
}

/** The output Codex records for a call the user interrupted before it finished. */
export const ABORTED_OUTPUT = 'aborted';

/** Items up to and including the last tool call: what may be kept from a broken response. */
export function keepThroughLastCall(items: HistoryItem[]): HistoryItem[] {
  let last = -1;
  items.forEach((item, i) => {
    if (isToolCall(item)) last = i;
  });
  return items.slice(0, last + 1);
}
