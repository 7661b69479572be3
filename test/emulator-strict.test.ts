/**
 * The emulator's request validation is as strict as the service: each body below is one the
 * service answers with a 400 (issue 14), and the emulator must too — with the service's message,
 * parameter and code — while the well-formed bodies around them pass.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from './emulator/index.js';

const emulators: Emulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emu) => emu.close()));
});

type Json = Record<string, unknown>;

async function post(path: string, body: Json): Promise<{ status: number; error?: Json; emu: Emulator }> {
  const emu = await startEmulator({ script: [respond(say('ok'))] });
  emulators.push(emu);
  const response = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text.startsWith('{') ? (JSON.parse(text) as { error?: Json }) : {};
  return { status: response.status, error: parsed.error, emu };
}

const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] };
const RESPONSES = { model: 'gpt-5-codex', input: [user], store: false, stream: false };
const CHAT = { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] };
const echoTool = {
  type: 'function',
  name: 'echo',
  description: 'echo',
  strict: false,
  parameters: { type: 'object', properties: { text: { type: 'string' } } },
};

describe('strict emulator: /responses', () => {
  it('accepts a well-formed body with every field Spool sends', async () => {
    const body = {
      ...RESPONSES,
      instructions: 'be brief',
      tools: [echoTool, { type: 'custom', name: 'apply_patch', description: 'p', format: { type: 'text' } }],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'thread-1',
      text: { verbosity: 'low' },
      input: [
        user,
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'x' }],
          phase: 'commentary',
        },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 's' }], encrypted_content: 'gAAAAA' },
        { type: 'function_call', name: 'echo', arguments: '{}', call_id: 'c1' },
        { type: 'function_call_output', call_id: 'c1', output: 'done' },
        { type: 'compaction', encrypted_content: 'gAAAAA' },
      ],
    };
    const { status, error } = await post('/responses', body);
    expect(status, JSON.stringify(error)).toBe(200);
  });

  it.each([
    [
      'reasoning.summary "none"',
      { reasoning: { effort: 'medium', summary: 'none' } },
      {
        message: "Invalid value: 'none'. Supported values are: 'auto', 'concise', and 'detailed'.",
        param: 'reasoning.summary',
        code: 'invalid_value',
      },
    ],
    ['an unknown parameter', { temprature: 1 }, { param: 'temprature', code: 'unknown_parameter' }],
    [
      'a phase outside the enum',
      {
        input: [user, { type: 'message', role: 'assistant', content: 'x', phase: 'thinking' }],
      },
      { param: 'input[1].phase', code: 'invalid_value' },
    ],
    [
      'an input item of no known type',
      { input: [{ type: 'function_result', call_id: 'x' }] },
      { param: 'input[0].type', code: 'invalid_value' },
    ],
    [
      'a function call without arguments',
      { input: [user, { type: 'function_call', name: 'f', call_id: 'c' }] },
      { message: "Missing required parameter: 'input[1].arguments'.", code: 'missing_required_parameter' },
    ],
    [
      'a tool name the service refuses',
      { tools: [{ ...echoTool, name: 'mcp/server.tool' }] },
      { param: 'tools[0].name', code: 'invalid_value' },
    ],
    [
      'an include the service does not know',
      { include: ['reasoning.summary'] },
      { param: 'include[0]', code: 'invalid_value' },
    ],
    [
      'a strict output schema with an optional property',
      {
        text: {
          format: {
            type: 'json_schema',
            name: 'out',
            strict: true,
            schema: {
              type: 'object',
              properties: { a: { type: 'string' }, b: { type: 'string' } },
              required: ['a'],
              additionalProperties: false,
            },
          },
        },
      },
      {
        message:
          "Invalid schema for response_format 'out': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
        param: 'text.format.schema',
        code: 'invalid_json_schema',
      },
    ],
    [
      'a strict output schema with an open nested object',
      {
        text: {
          format: {
            type: 'json_schema',
            name: 'out',
            strict: true,
            schema: {
              type: 'object',
              properties: { a: { type: 'object', properties: {}, required: [] } },
              required: ['a'],
              additionalProperties: false,
            },
          },
        },
      },
      {
        message:
          "Invalid schema for response_format 'out': In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false.",
        code: 'invalid_json_schema',
      },
    ],
    [
      'a strict function tool whose schema is not strict',
      { tools: [{ ...echoTool, strict: true }] },
      { param: 'tools[0].parameters', code: 'invalid_function_parameters' },
    ],
    [
      'reasoning for a model that does not reason (catalog)',
      { model: 'gpt-4.1', reasoning: { effort: 'medium' } },
      {
        message: "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
        code: 'unsupported_parameter',
      },
    ],
  ])('refuses %s with the service’s 400', async (_name, change, expected) => {
    const { status, error, emu } = await post('/responses', { ...RESPONSES, ...change });
    expect(status).toBe(400);
    expect(error).toMatchObject({ type: 'invalid_request_error', ...expected });
    expect(emu.requests[0]!.outcome).toBe('rejected');
    expect(emu.problems).toHaveLength(1);
  });

  it('accepts what Codex sends to /responses/compact (tools, reasoning, prompt_cache_key), refuses the rest', async () => {
    const compact = {
      model: 'gpt-5-codex',
      input: [user],
      instructions: 'x',
      tools: [echoTool],
      parallel_tool_calls: true,
      reasoning: { effort: 'high' },
      prompt_cache_key: 'thread-1',
    };
    expect((await post('/responses/compact', compact)).status).toBe(200);
    const refused = await post('/responses/compact', { ...compact, stream: true });
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({ param: 'stream', code: 'unknown_parameter' });
  });
});

describe('strict emulator: /chat/completions', () => {
  const fnTool = {
    type: 'function',
    function: { name: 'echo', parameters: { type: 'object', properties: {} } },
  };

  it('refuses function tools with reasoning for the families the catalog marks, accepts effort "none"', async () => {
    const refused = await post('/chat/completions', {
      ...CHAT,
      model: 'gpt-5.4',
      tools: [fnTool],
      reasoning_effort: 'medium',
    });
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({
      message:
        "Function tools with reasoning_effort are not supported for gpt-5.4 in /v1/chat/completions. To use function tools, use /v1/responses or set reasoning_effort to 'none'.",
      param: 'reasoning_effort',
    });
    // Left out, the model still reasons by default: refused too.
    expect((await post('/chat/completions', { ...CHAT, model: 'gpt-5.5', tools: [fnTool] })).status).toBe(
      400,
    );
    expect(
      (
        await post('/chat/completions', {
          ...CHAT,
          model: 'gpt-5.4',
          tools: [fnTool],
          reasoning_effort: 'none',
        })
      ).status,
    ).toBe(200);
    // Other families take both.
    expect(
      (
        await post('/chat/completions', {
          ...CHAT,
          model: 'gpt-5',
          tools: [fnTool],
          reasoning_effort: 'medium',
        })
      ).status,
    ).toBe(200);
  });

  it('refuses an unknown argument, a bad role, a strict schema that is not strict, a stray parallel_tool_calls', async () => {
    const unknown = await post('/chat/completions', { ...CHAT, max_output_tokens: 5 });
    expect(unknown.error).toMatchObject({
      message: 'Unrecognized request argument supplied: max_output_tokens',
    });
    const role = await post('/chat/completions', { ...CHAT, messages: [{ role: 'model', content: 'x' }] });
    expect(role.error).toMatchObject({ param: 'messages[0].role', code: 'invalid_value' });
    const schema = await post('/chat/completions', {
      ...CHAT,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'o',
          strict: true,
          schema: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
    });
    expect(schema.error?.message).toMatch(
      /^Invalid schema for response_format 'o': In context=\(\), 'additionalProperties'/,
    );
    const parallel = await post('/chat/completions', { ...CHAT, parallel_tool_calls: true });
    expect(parallel.error).toMatchObject({ param: 'parallel_tool_calls' });
  });
});
