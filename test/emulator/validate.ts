/**
 * The request checks OpenAI applies that a harness can trip over, with OpenAI's messages:
 * orphaned or missing tool outputs, item ids sent with `store: false`, missing required fields.
 * The emulator must be no more lenient than the real service, or bugs pass its tests.
 */
import { openAiErrorBody } from './builders.js';

type Json = Record<string, unknown>;

export interface RequestRejection {
  status: number;
  body: unknown;
}

function reject(
  status: number,
  message: string,
  param: string | null,
  code: string | null = null,
): RequestRejection {
  return { status, body: openAiErrorBody(message, 'invalid_request_error', code, param) };
}

export const INVALID_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

export function invalidJson(): RequestRejection {
  return reject(400, INVALID_JSON_MESSAGE, null);
}

function missing(param: string): RequestRejection {
  return reject(400, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

const CALL_TYPES: Record<string, string> = {
  function_call: 'function_call_output',
  custom_tool_call: 'custom_tool_call_output',
  local_shell_call: 'function_call_output',
};

export function validateResponsesRequest(body: Json, requireInput: boolean): RequestRejection | undefined {
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  if (body.input === undefined) return requireInput ? missing('input') : undefined;
  if (!Array.isArray(body.input)) return undefined;
  const items = body.input as Json[];

  if (body.store === false) {
    for (const item of items) {
      if (item && typeof item === 'object' && typeof item.id === 'string' && item.type !== 'item_reference') {
        return reject(
          404,
          `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
          'input',
        );
      }
    }
  }

  const calls = new Map<string, string>();
  const answered = new Set<string>();
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const type = String(item.type ?? '');
    const callId = String(item.call_id ?? '');
    if (type in CALL_TYPES) {
      calls.set(callId, type);
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      if (!calls.has(callId)) {
        return reject(
          400,
          `No tool call found for ${type.replace(/_/g, ' ')} with call_id ${callId}.`,
          'input',
        );
      }
      answered.add(callId);
    }
  }
  for (const [callId, type] of calls) {
    if (!answered.has(callId)) {
      const what = type === 'custom_tool_call' ? 'custom tool call' : 'function call';
      return reject(400, `No tool output found for ${what} ${callId}.`, 'input');
    }
  }
  return undefined;
}

export function validateChatRequest(body: Json): RequestRejection | undefined {
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  if (!Array.isArray(body.messages)) return missing('messages');
  const messages = body.messages as Json[];
  let pending: { index: number; ids: Set<string> } | undefined;
  for (const [index, message] of messages.entries()) {
    const role = message?.role;
    if (role === 'tool') {
      const id = String(message.tool_call_id ?? '');
      if (!pending?.ids.has(id)) {
        return reject(
          400,
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      pending.ids.delete(id);
      continue;
    }
    if (pending && pending.ids.size > 0) return unansweredCalls(pending);
    pending = undefined;
    const toolCalls = role === 'assistant' ? message.tool_calls : undefined;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) {
      pending = { index, ids: new Set(toolCalls.map((call: Json) => String(call?.id ?? ''))) };
    }
  }
  if (pending && pending.ids.size > 0) return unansweredCalls(pending);
  return undefined;
}

function unansweredCalls(pending: { index: number; ids: Set<string> }): RequestRejection {
  return reject(
    400,
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending.ids].join(', ')}`,
    `messages.[${pending.index}].role`,
  );
}
