/**
 * The documented shapes of request bodies (OpenAI's API reference, as the `openai` SDK types it):
 * which parameters exist, their types and enums, the input items and content parts, tools and
 * output formats. A body outside them gets the service's 400 — an unknown parameter, an invalid
 * value, a wrong type or a missing field — with the parameter path the service names.
 *
 * Only what the service is known to refuse is refused: item and tool kinds Spool never sends are
 * checked for their `type` alone, and fields the service ignores are allowed.
 */
import { type ZodType, z } from 'zod';

type Json = Record<string, unknown>;

export interface ShapeProblem {
  message: string;
  param: string;
  code: string | null;
}

const nullable = <T extends ZodType>(schema: T) => schema.nullable().optional();

// --- Responses ------------------------------------------------------------------------------

const InputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const InputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: nullable(z.string()),
  file_id: nullable(z.string()),
  detail: z.enum(['low', 'high', 'auto']).optional(),
});
const InputFile = z.looseObject({ type: z.literal('input_file') });
const OutputText = z.looseObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).optional(),
});
const Refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const CONTENT_PARTS: Record<string, ZodType> = {
  input_text: InputText,
  input_image: InputImage,
  input_file: InputFile,
  output_text: OutputText,
  refusal: Refusal,
};

const MessagePhase = z.enum(['commentary', 'final_answer']).nullable().optional();

const Message = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
  phase: MessagePhase,
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
});

const FunctionOutputPart = z.looseObject({ type: z.enum(['input_text', 'input_image', 'input_file']) });

const INPUT_ITEMS: Record<string, ZodType> = {
  message: Message,
  function_call: z.looseObject({
    type: z.literal('function_call'),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
  }),
  function_call_output: z.looseObject({
    type: z.literal('function_call_output'),
    call_id: z.string(),
    output: z.union([z.string(), z.array(FunctionOutputPart)]),
  }),
  custom_tool_call: z.looseObject({
    type: z.literal('custom_tool_call'),
    call_id: z.string(),
    name: z.string(),
    input: z.string(),
  }),
  custom_tool_call_output: z.looseObject({
    type: z.literal('custom_tool_call_output'),
    call_id: z.string(),
    output: z.union([z.string(), z.array(FunctionOutputPart)]),
  }),
  reasoning: z.looseObject({
    type: z.literal('reasoning'),
    summary: z.array(z.strictObject({ type: z.literal('summary_text'), text: z.string() })),
    content: z.array(z.looseObject({ type: z.literal('reasoning_text'), text: z.string() })).optional(),
    encrypted_content: nullable(z.string()),
  }),
  compaction: z.looseObject({ type: z.literal('compaction'), encrypted_content: z.string() }),
  item_reference: z.looseObject({ type: z.literal('item_reference'), id: z.string() }),
};
/** Item kinds the service takes that Spool never sends: checked for their type only. */
const OTHER_ITEM_TYPES = [
  'compaction_trigger',
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
];

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const ResponsesTools: Record<string, ZodType> = {
  function: z.strictObject({
    type: z.literal('function'),
    name: z.string().regex(FUNCTION_NAME),
    description: nullable(z.string()),
    parameters: nullable(z.record(z.string(), z.unknown())),
    strict: nullable(z.boolean()),
    defer_loading: z.boolean().optional(),
  }),
  custom: z.strictObject({
    type: z.literal('custom'),
    name: z.string().regex(FUNCTION_NAME),
    description: z.string().optional(),
    format: z
      .union([
        z.strictObject({ type: z.literal('text') }),
        z.strictObject({
          type: z.literal('grammar'),
          syntax: z.enum(['lark', 'regex']),
          definition: z.string(),
        }),
      ])
      .optional(),
    defer_loading: z.boolean().optional(),
  }),
};
const OTHER_TOOL_TYPES = [
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'file_search',
  'computer_use_preview',
  'mcp',
  'code_interpreter',
  'image_generation',
  'local_shell',
  'shell',
  'apply_patch',
];

const Reasoning = z.strictObject({
  effort: nullable(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])),
  summary: nullable(z.enum(['auto', 'concise', 'detailed'])),
  generate_summary: nullable(z.enum(['auto', 'concise', 'detailed'])),
});

const TextFormat = z.union([
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().regex(FUNCTION_NAME),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: nullable(z.boolean()),
  }),
]);

const Text = z.strictObject({
  format: TextFormat.optional(),
  verbosity: nullable(z.enum(['low', 'medium', 'high'])),
});

const ToolChoice = z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]);

const INCLUDABLE = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
] as const;

const ResponsesParams = {
  model: z.string(),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: nullable(z.string()),
  tools: z.array(z.unknown()).optional(),
  tool_choice: ToolChoice.optional(),
  parallel_tool_calls: nullable(z.boolean()),
  reasoning: nullable(Reasoning),
  store: nullable(z.boolean()),
  stream: nullable(z.boolean()),
  stream_options: nullable(z.strictObject({ include_obfuscation: z.boolean().optional() })),
  include: nullable(z.array(z.enum(INCLUDABLE))),
  prompt_cache_key: nullable(z.string()),
  prompt_cache_retention: nullable(z.enum(['in_memory', '24h'])),
  prompt_cache_options: z.unknown().optional(),
  text: Text.optional(),
  max_output_tokens: nullable(z.number().int()),
  max_tool_calls: nullable(z.number().int()),
  metadata: nullable(z.record(z.string(), z.string())),
  previous_response_id: nullable(z.string()),
  service_tier: nullable(z.enum(['auto', 'default', 'flex', 'scale', 'priority'])),
  safety_identifier: nullable(z.string()),
  temperature: nullable(z.number()),
  top_p: nullable(z.number()),
  top_logprobs: nullable(z.number().int()),
  truncation: nullable(z.enum(['auto', 'disabled'])),
  user: z.string().optional(),
  background: nullable(z.boolean()),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  moderation: z.unknown().optional(),
  context_management: nullable(
    z.array(z.looseObject({ type: z.literal('compaction'), compact_threshold: z.number().int().optional() })),
  ),
};

/** `/responses`: every documented parameter. */
export const ResponsesBody = z.strictObject(ResponsesParams);

/**
 * `/responses/compact`: the SDK's `ResponseCompactParams`, plus what Codex's compaction client
 * sends there (tools, parallel_tool_calls, reasoning, text), which the service takes.
 */
export const CompactBody = z.strictObject({
  model: ResponsesParams.model,
  input: ResponsesParams.input,
  instructions: ResponsesParams.instructions,
  tools: ResponsesParams.tools,
  parallel_tool_calls: ResponsesParams.parallel_tool_calls,
  reasoning: ResponsesParams.reasoning,
  text: ResponsesParams.text,
  previous_response_id: ResponsesParams.previous_response_id,
  prompt_cache_key: ResponsesParams.prompt_cache_key,
  prompt_cache_retention: ResponsesParams.prompt_cache_retention,
  prompt_cache_options: ResponsesParams.prompt_cache_options,
  service_tier: ResponsesParams.service_tier,
});

// --- Chat Completions -----------------------------------------------------------------------

const ChatText = z.looseObject({ type: z.literal('text'), text: z.string() });
const ChatContent = (parts: ZodType) => z.union([z.string(), z.array(parts)]);
const ChatUserPart = z.union([
  ChatText,
  z.looseObject({
    type: z.literal('image_url'),
    image_url: z.looseObject({ url: z.string(), detail: z.enum(['auto', 'low', 'high']).optional() }),
  }),
  z.looseObject({ type: z.literal('input_audio') }),
  z.looseObject({ type: z.literal('file') }),
]);
const ChatToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const CHAT_MESSAGES: Record<string, ZodType> = {
  system: z.looseObject({
    role: z.literal('system'),
    content: ChatContent(ChatText),
    name: z.string().optional(),
  }),
  developer: z.looseObject({
    role: z.literal('developer'),
    content: ChatContent(ChatText),
    name: z.string().optional(),
  }),
  user: z.looseObject({
    role: z.literal('user'),
    content: ChatContent(ChatUserPart),
    name: z.string().optional(),
  }),
  assistant: z.looseObject({
    role: z.literal('assistant'),
    content: nullable(ChatContent(z.union([ChatText, z.looseObject({ type: z.literal('refusal') })]))),
    refusal: nullable(z.string()),
    tool_calls: z.array(ChatToolCall).optional(),
    name: z.string().optional(),
  }),
  tool: z.looseObject({ role: z.literal('tool'), content: ChatContent(ChatText), tool_call_id: z.string() }),
  function: z.looseObject({ role: z.literal('function'), name: z.string() }),
};

const ChatTool = z.union([
  z.strictObject({
    type: z.literal('function'),
    function: z.strictObject({
      name: z.string().regex(FUNCTION_NAME),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: nullable(z.boolean()),
    }),
  }),
  z.looseObject({ type: z.literal('custom') }),
]);

const ChatResponseFormat = z.union([
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().regex(FUNCTION_NAME),
      schema: z.record(z.string(), z.unknown()).optional(),
      description: z.string().optional(),
      strict: nullable(z.boolean()),
    }),
  }),
]);

export const ChatBody = z.strictObject({
  model: z.string(),
  messages: z.array(z.unknown()),
  tools: z.array(ChatTool).optional(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  reasoning_effort: nullable(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])),
  verbosity: nullable(z.enum(['low', 'medium', 'high'])),
  response_format: ChatResponseFormat.optional(),
  stream: nullable(z.boolean()),
  stream_options: nullable(
    z.strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }),
  ),
  prompt_cache_key: nullable(z.string()),
  prompt_cache_retention: nullable(z.enum(['in_memory', '24h'])),
  prompt_cache_options: z.unknown().optional(),
  max_completion_tokens: nullable(z.number().int()),
  max_tokens: nullable(z.number().int()),
  metadata: nullable(z.record(z.string(), z.string())),
  store: nullable(z.boolean()),
  temperature: nullable(z.number()),
  top_p: nullable(z.number()),
  n: nullable(z.number().int()),
  stop: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
  seed: nullable(z.number().int()),
  user: z.string().optional(),
  safety_identifier: nullable(z.string()),
  service_tier: nullable(z.enum(['auto', 'default', 'flex', 'scale', 'priority'])),
  logprobs: nullable(z.boolean()),
  top_logprobs: nullable(z.number().int()),
  frequency_penalty: nullable(z.number()),
  presence_penalty: nullable(z.number()),
  logit_bias: z.unknown().optional(),
  modalities: z.unknown().optional(),
  audio: z.unknown().optional(),
  prediction: z.unknown().optional(),
  web_search_options: z.unknown().optional(),
  moderation: z.unknown().optional(),
  functions: z.unknown().optional(),
  function_call: z.unknown().optional(),
});

// --- From zod's first issue to the service's error ---------------------------------------------

function paramPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function supported(values: readonly unknown[]): string {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

/** The service's error for the first way `value` is outside `schema`, or undefined. */
export function shapeProblem(
  schema: ZodType,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): ShapeProblem | undefined {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  const path = [...prefix, ...issue.path];
  const param = paramPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = paramPath([...path, issue.keys[0]!]);
      return { message: `Unknown parameter: '${key}'.`, param: key, code: 'unknown_parameter' };
    }
    case 'invalid_value':
      return {
        message: `Invalid value: '${String(issue.input)}'. Supported values are: ${supported(issue.values)}.`,
        param,
        code: 'invalid_value',
      };
    case 'invalid_type':
      if (issue.input === undefined) {
        return {
          message: `Missing required parameter: '${param}'.`,
          param,
          code: 'missing_required_parameter',
        };
      }
      return {
        message: `Invalid type for '${param}': expected ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, but got ${describe(issue.input)} instead.`,
        param,
        code: 'invalid_type',
      };
    case 'invalid_format':
      return {
        message: `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${FUNCTION_NAME.source}'.`,
        param,
        code: 'invalid_value',
      };
    default:
      return { message: `Invalid value for '${param}': ${issue.message}.`, param, code: 'invalid_value' };
  }
}

/** The problem with one Responses input item (by its `type`; messages may leave it out). */
export function inputItemProblem(item: unknown, index: number): ShapeProblem | undefined {
  const where = ['input', index];
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return shapeProblem(z.looseObject({}), item, where);
  }
  const type = (item as Json).type ?? 'message';
  const schema = INPUT_ITEMS[String(type)];
  if (!schema) {
    if (OTHER_ITEM_TYPES.includes(String(type))) return undefined;
    return {
      message: `Invalid value: '${String(type)}'. Supported values are: ${supported([...Object.keys(INPUT_ITEMS), ...OTHER_ITEM_TYPES])}.`,
      param: paramPath([...where, 'type']),
      code: 'invalid_value',
    };
  }
  const problem = shapeProblem(schema, item, where);
  if (problem || type !== 'message') return problem;
  const content = (item as Json).content;
  if (!Array.isArray(content)) return undefined;
  for (const [i, part] of content.entries()) {
    const partType = String((part as Json).type);
    const partSchema = CONTENT_PARTS[partType];
    if (!partSchema) {
      return {
        message: `Invalid value: '${partType}'. Supported values are: ${supported(Object.keys(CONTENT_PARTS))}.`,
        param: paramPath([...where, 'content', i, 'type']),
        code: 'invalid_value',
      };
    }
    const partProblem = shapeProblem(partSchema, part, [...where, 'content', i]);
    if (partProblem) return partProblem;
  }
  return undefined;
}

/** The problem with one Responses tool, or undefined. */
export function responsesToolProblem(tool: unknown, index: number): ShapeProblem | undefined {
  const type = String((tool as Json | null)?.type);
  const schema = ResponsesTools[type];
  if (schema) return shapeProblem(schema, tool, ['tools', index]);
  if (OTHER_TOOL_TYPES.includes(type)) return undefined;
  return {
    message: `Invalid value: '${type}'. Supported values are: ${supported([...Object.keys(ResponsesTools), ...OTHER_TOOL_TYPES])}.`,
    param: paramPath(['tools', index, 'type']),
    code: 'invalid_value',
  };
}

/** The problem with one chat message, or undefined. */
export function chatMessageProblem(message: unknown, index: number): ShapeProblem | undefined {
  const role = String((message as Json | null)?.role);
  const schema = CHAT_MESSAGES[role];
  if (!schema) {
    return {
      message: `Invalid value: '${role}'. Supported values are: ${supported(Object.keys(CHAT_MESSAGES))}.`,
      param: paramPath(['messages', index, 'role']),
      code: 'invalid_value',
    };
  }
  return shapeProblem(schema, message, ['messages', index]);
}
