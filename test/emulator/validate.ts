/**
 * The request checks OpenAI applies, with OpenAI's messages: the documented shape of every body
 * (request-shapes.ts: parameters, types, enums, items, tools), strict-schema rules for
 * structured outputs and strict function tools (strict-schema.ts), what particular models refuse
 * (model-rules.ts, from the model catalog), and the conversation's consistency: orphaned or
 * missing tool outputs, item ids sent with `store: false`, missing required fields. The emulator
 * must be no more lenient than the real service, or bugs pass its tests.
 */
import { openAiErrorBody } from './builders.js';
import { chatModelProblem, responsesModelProblem } from './model-rules.js';
import {
  ChatBody,
  CompactBody,
  chatMessageProblem,
  inputItemProblem,
  ResponsesBody,
  responsesToolProblem,
  type ShapeProblem,
  shapeProblem,
} from './request-shapes.js';
import { strictSchemaProblem } from './strict-schema.js';

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

function rejectShape(problem: ShapeProblem): RequestRejection {
  return reject(400, problem.message, problem.param, problem.code);
}

/** The body's shape, strict schemas and model rules (`/responses` and `/responses/compact`). */
function responsesShapeProblem(body: Json, endpoint: 'responses' | 'compact'): ShapeProblem | undefined {
  const top = shapeProblem(endpoint === 'responses' ? ResponsesBody : CompactBody, body);
  if (top) return top;
  if (Array.isArray(body.input)) {
    for (const [i, item] of body.input.entries()) {
      const problem = inputItemProblem(item, i);
      if (problem) return problem;
    }
  }
  for (const [i, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    const problem = responsesToolProblem(tool, i);
    if (problem) return problem;
    const fn = tool as Json;
    if (fn.type === 'function' && fn.strict === true) {
      const schema = strictSchemaProblem(fn.parameters ?? {});
      if (schema) {
        return {
          message: `Invalid schema for function '${String(fn.name)}': In context=${schema.context}, ${schema.message}`,
          param: `tools[${i}].parameters`,
          code: 'invalid_function_parameters',
        };
      }
    }
  }
  const format = (body.text as Json | undefined)?.format as Json | undefined;
  if (format?.type === 'json_schema' && format.strict === true) {
    const schema = strictSchemaProblem(format.schema);
    if (schema) {
      return {
        message: `Invalid schema for response_format '${String(format.name)}': In context=${schema.context}, ${schema.message}`,
        param: 'text.format.schema',
        code: 'invalid_json_schema',
      };
    }
  }
  return responsesModelProblem(body);
}

export function validateResponsesRequest(body: Json, requireInput: boolean): RequestRejection | undefined {
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  if (body.input === undefined && requireInput) return missing('input');
  const shape = responsesShapeProblem(body, requireInput ? 'responses' : 'compact');
  if (shape) return rejectShape(shape);
  if (body.input === undefined || !Array.isArray(body.input)) return undefined;
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

/** The chat body's shape, strict schemas and model rules. */
function chatShapeProblem(body: Json): ShapeProblem | undefined {
  const top = shapeProblem(ChatBody, body);
  if (top?.code === 'unknown_parameter' && !top.param.includes('.')) {
    // Chat Completions words an unknown top-level argument its own way.
    return { message: `Unrecognized request argument supplied: ${top.param}`, param: '', code: null };
  }
  if (top) return top;
  for (const [i, message] of (body.messages as unknown[]).entries()) {
    const problem = chatMessageProblem(message, i);
    if (problem) return problem;
  }
  if (body.parallel_tool_calls !== undefined && !(Array.isArray(body.tools) && body.tools.length > 0)) {
    return {
      message: "Invalid value for 'parallel_tool_calls': only allowed when 'tools' are specified.",
      param: 'parallel_tool_calls',
      code: null,
    };
  }
  for (const [i, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    const fn = (tool as Json).function as Json | undefined;
    if (fn?.strict === true) {
      const schema = strictSchemaProblem(fn.parameters ?? {});
      if (schema) {
        return {
          message: `Invalid schema for function '${String(fn.name)}': In context=${schema.context}, ${schema.message}`,
          param: `tools[${i}].function.parameters`,
          code: 'invalid_function_parameters',
        };
      }
    }
  }
  const format = body.response_format as Json | undefined;
  const jsonSchema = format?.type === 'json_schema' ? (format.json_schema as Json) : undefined;
  if (jsonSchema?.strict === true) {
    const schema = strictSchemaProblem(jsonSchema.schema);
    if (schema) {
      return {
        message: `Invalid schema for response_format '${String(jsonSchema.name)}': In context=${schema.context}, ${schema.message}`,
        param: 'response_format',
        code: null,
      };
    }
  }
  return chatModelProblem(body);
}

export function validateChatRequest(body: Json): RequestRejection | undefined {
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  if (!Array.isArray(body.messages)) return missing('messages');
  const shape = chatShapeProblem(body);
  if (shape) return reject(400, shape.message, shape.param === '' ? null : shape.param, shape.code);
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
