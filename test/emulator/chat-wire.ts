/**
 * The Chat Completions wire: turns a scripted step into `chat.completion.chunk` frames as OpenAI
 * streams them, or into a `chat.completion` object for `stream: false`. Pure.
 *
 * Reasoning is streamed as `delta.reasoning_content` (the vLLM/DeepSeek/Ollama convention; OpenAI's
 * own chat endpoint does not stream reasoning). Custom tool calls become function calls whose
 * arguments are `{"input": "<text>"}`, the way Spool offers freeform tools on this wire.
 */
import { chunkText, type IdGenerator, obfuscationFor } from './ids.js';
import { outputUsage } from './responses-wire.js';
import { argumentsText, type OutputSpec, type ResponseStep } from './script.js';

type Json = Record<string, unknown>;

export interface ChatContext {
  ids: IdGenerator;
  body: Json;
  createdAt: number;
  inputTokens: number;
  cachedTokens: number;
}

interface ChatToolCall {
  id: string;
  name: string;
  arguments: string;
  /** Characters per streamed arguments fragment (the spec's `delta_size`). */
  deltaSize?: number;
}

/** What one step says on the chat wire: reasoning, text, tool calls. */
function flatten(
  step: ResponseStep,
  ids: IdGenerator,
): { reasoning: string; text: string; refusal: string; calls: ChatToolCall[] } {
  const reasoning: string[] = [];
  let text = '';
  let refusal = '';
  const calls: ChatToolCall[] = [];
  for (const spec of step.output as OutputSpec[]) {
    if (spec.type === 'reasoning') reasoning.push(...(spec.summary ?? []));
    else if (spec.type === 'message') text += spec.text;
    else if (spec.type === 'refusal') refusal += spec.text;
    else if (spec.type === 'web_search_call') continue;
    else if (spec.type === 'function_call') {
      calls.push({
        id: spec.call_id ?? ids.next('call'),
        name: spec.name,
        arguments: argumentsText(spec),
        deltaSize: spec.delta_size,
      });
    } else {
      calls.push({
        id: spec.call_id ?? ids.next('call'),
        name: spec.name,
        arguments: JSON.stringify({ input: spec.input }),
        deltaSize: spec.delta_size,
      });
    }
  }
  return { reasoning: reasoning.join('\n\n'), text, refusal, calls };
}

function finishReason(step: ResponseStep, hasCalls: boolean): string {
  if (step.terminal?.type === 'incomplete') {
    return step.terminal.reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return hasCalls ? 'tool_calls' : 'stop';
}

export function chatUsage(ctx: ChatContext, step: ResponseStep): Json {
  const { outputTokens, reasoningTokens } = outputUsage(step);
  return {
    prompt_tokens: ctx.inputTokens,
    completion_tokens: outputTokens,
    total_tokens: ctx.inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: ctx.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function chatErrorObject(code: string, message: string): Json {
  return {
    error: {
      message,
      type: code === 'server_error' ? 'server_error' : 'invalid_request_error',
      param: null,
      code,
    },
  };
}

/**
 * The frames of a streamed completion, each sent as `data: <json>`. `done` tells whether the
 * stream ends with `data: [DONE]` (it does not after an error frame).
 */
export function buildChatChunks(step: ResponseStep, ctx: ChatContext): { frames: Json[]; done: boolean } {
  const id = ctx.ids.next('chatcmpl', '-');
  const includeUsage = (ctx.body.stream_options as Json | undefined)?.include_usage === true;
  const obfuscate = (ctx.body.stream_options as Json | undefined)?.include_obfuscation !== false;
  const { reasoning, text, refusal, calls } = flatten(step, ctx.ids);
  const frames: Json[] = [];
  const chunk = (delta: Json, finish: string | null = null): void => {
    const frame: Json = {
      id,
      object: 'chat.completion.chunk',
      created: ctx.createdAt,
      model: ctx.body.model ?? null,
      service_tier: 'default',
      system_fingerprint: 'fp_emulator',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (includeUsage) frame.usage = null;
    if (obfuscate) frame.obfuscation = obfuscationFor(frames.length, JSON.stringify(delta).length);
    frames.push(frame);
  };

  // A refusal streams with `content: null` and the text in `refusal` deltas.
  chunk(
    refusal
      ? { role: 'assistant', content: null, refusal: '' }
      : { role: 'assistant', content: '', refusal: null },
  );
  for (const delta of chunkText(reasoning)) chunk({ reasoning_content: delta });
  for (const delta of chunkText(text)) chunk({ content: delta });
  for (const delta of chunkText(refusal)) chunk({ refusal: delta });
  calls.forEach((call, index) => {
    chunk({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    });
    for (const delta of chunkText(call.arguments, call.deltaSize))
      chunk({ tool_calls: [{ index, function: { arguments: delta } }] });
  });

  if (step.terminal?.type === 'failed') {
    frames.push(chatErrorObject(step.terminal.code, step.terminal.message));
    return { frames, done: false };
  }
  chunk({}, finishReason(step, calls.length > 0));
  if (includeUsage) {
    const usageFrame: Json = {
      id,
      object: 'chat.completion.chunk',
      created: ctx.createdAt,
      model: ctx.body.model ?? null,
      service_tier: 'default',
      system_fingerprint: 'fp_emulator',
      choices: [],
      usage: chatUsage(ctx, step),
    };
    if (obfuscate) usageFrame.obfuscation = obfuscationFor(frames.length, 0);
    frames.push(usageFrame);
  }
  return { frames, done: true };
}

/** The `chat.completion` object for `stream: false`. */
export function buildChatCompletion(step: ResponseStep, ctx: ChatContext): Json {
  const { reasoning, text, refusal, calls } = flatten(step, ctx.ids);
  const message: Json = {
    role: 'assistant',
    content: text === '' && (calls.length > 0 || refusal !== '') ? null : text,
    refusal: refusal === '' ? null : refusal,
  };
  message.annotations = [];
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    id: ctx.ids.next('chatcmpl', '-'),
    object: 'chat.completion',
    created: ctx.createdAt,
    model: ctx.body.model ?? null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(step, calls.length > 0) }],
    usage: chatUsage(ctx, step),
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}
