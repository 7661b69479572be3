/**
 * History items → Chat Completions messages and tools. Pure and deterministic, so the chat wire
 * keeps the same cache-stable prefix property as the Responses wire.
 *
 * Mapping:
 * - `instructions` and the leading developer/system messages → one `system` message (many local
 *   servers' chat templates accept a system message only at the start);
 * - later developer messages → `user` messages wrapped in `<system_update>` for the same reason;
 * - assistant text and the tool calls that follow it → one assistant message with `tool_calls`;
 * - tool outputs → `tool` messages; custom (freeform) tool calls travel as function calls whose only
 *   argument is `input`;
 * - reasoning and compaction items have no chat form and are left out.
 */
import type { ContentPart, HistoryItem, MessageItem } from '../protocol/items.js';
import type { ToolSpec } from '../protocol/tool-spec.js';
import type { ModelRequest } from './types.js';

type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

type ChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

type ChatTool = {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
};

function partsText(parts: ContentPart[]): string {
  return parts.map((p) => (p.type === 'input_image' ? '' : p.text)).join('\n');
}

function userContent(parts: ContentPart[]): string | ChatContentPart[] {
  if (parts.every((p) => p.type !== 'input_image')) return partsText(parts);
  return parts.map((p) =>
    p.type === 'input_image'
      ? {
          type: 'image_url',
          image_url: p.detail ? { url: p.image_url, detail: p.detail } : { url: p.image_url },
        }
      : { type: 'text', text: p.text },
  );
}

function isSystemLike(item: HistoryItem): item is MessageItem {
  return item.type === 'message' && (item.role === 'developer' || item.role === 'system');
}

/** The text before the images of tool results on the chat wire. */
const TOOL_IMAGES_TEXT = 'The images returned by the tool calls above:';

function chatMessages(instructions: string, input: readonly HistoryItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let index = 0;
  const system: string[] = instructions ? [instructions] : [];
  while (index < input.length && isSystemLike(input[index]!)) {
    system.push(partsText((input[index] as MessageItem).content));
    index++;
  }
  if (system.length > 0) messages.push({ role: 'system', content: system.join('\n\n') });

  // The assistant message currently collecting tool calls, if the last message is one.
  let open: Extract<ChatMessage, { role: 'assistant' }> | undefined;
  const assistant = (): Extract<ChatMessage, { role: 'assistant' }> => {
    if (!open) {
      open = { role: 'assistant', content: null };
      messages.push(open);
    }
    return open;
  };

  // Images a tool returned (view_media, an MCP tool): a `tool` message carries only text, so they
  // follow the run of tool messages as one user message (a user message between them is refused).
  let toolImages: ChatContentPart[] = [];
  const flushToolImages = () => {
    if (toolImages.length === 0) return;
    messages.push({ role: 'user', content: [{ type: 'text', text: TOOL_IMAGES_TEXT }, ...toolImages] });
    toolImages = [];
  };

  for (; index < input.length; index++) {
    const item = input[index]!;
    if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') flushToolImages();
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') {
          // Text after calls of the same response joins their message; tool results must follow it.
          if (open?.content !== null) open = undefined;
          assistant().content = partsText(item.content);
        } else {
          open = undefined;
          messages.push(
            item.role === 'user'
              ? { role: 'user', content: userContent(item.content) }
              : { role: 'user', content: `<system_update>\n${partsText(item.content)}\n</system_update>` },
          );
        }
        break;
      case 'function_call':
      case 'custom_tool_call': {
        const target = assistant();
        target.tool_calls ??= [];
        target.tool_calls.push({
          id: item.call_id,
          type: 'function',
          function: {
            name: item.name,
            arguments: item.type === 'function_call' ? item.arguments : JSON.stringify({ input: item.input }),
          },
        });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
        open = undefined;
        messages.push({
          role: 'tool',
          tool_call_id: item.call_id,
          content: typeof item.output === 'string' ? item.output : partsText(item.output),
        });
        if (typeof item.output !== 'string')
          toolImages.push(
            ...(userContent(item.output.filter((p) => p.type === 'input_image')) as ChatContentPart[]),
          );
        break;
      case 'reasoning':
      case 'compaction':
        break;
    }
  }
  flushToolImages();
  return messages;
}

function chatTools(tools: readonly ToolSpec[]): ChatTool[] {
  return tools.map((tool) =>
    tool.type === 'function'
      ? {
          type: 'function',
          function: { name: tool.name, description: tool.description, parameters: tool.parameters },
        }
      : {
          type: 'function',
          function: {
            name: tool.name,
            description: tool.description,
            parameters: {
              type: 'object',
              properties: {
                input: { type: 'string', description: `The complete ${tool.name} input as plain text.` },
              },
              required: ['input'],
            },
          },
        },
  );
}

interface ChatBodyOptions {
  /** Send `prompt_cache_key` (OpenAI understands it; some servers reject unknown fields). */
  promptCacheKey: boolean;
}

export function chatRequestBody(request: ModelRequest, options: ChatBodyOptions): Record<string, unknown> {
  const tools = chatTools(request.tools);
  return {
    model: request.model,
    messages: chatMessages(request.instructions, request.input),
    ...(tools.length > 0
      ? { tools, tool_choice: request.toolChoice ?? 'auto', parallel_tool_calls: request.parallelToolCalls }
      : {}),
    ...(request.reasoning?.effort ? { reasoning_effort: request.reasoning.effort } : {}),
    ...(request.verbosity ? { verbosity: request.verbosity } : {}),
    ...(request.outputSchema
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: 'spool_output_schema',
              schema: request.outputSchema.schema,
              strict: request.outputSchema.strict,
            },
          },
        }
      : {}),
    stream: true,
    stream_options: { include_usage: true },
    ...(options.promptCacheKey ? { prompt_cache_key: request.promptCacheKey } : {}),
  };
}
