/**
 * One benchmark session in this process: a scripted N-step session against the emulator, run either
 * by Spool's loop (`harness`) or by a bare loop on the same SDK (`baseline`: stream, collect items,
 * append outputs, nothing else). Prints one JSON line: wall time, model time, tool time, peak RSS.
 *
 *   npx tsx bench/loop-session.ts harness 40
 */
import OpenAI from 'openai';
import { z } from 'zod';
import { Thread } from '../src/agent/thread.js';
import { ResponsesClient } from '../src/model/responses-client.js';
import { ToolRegistry } from '../src/tools/registry.js';
import { functionSpec, parseJsonArguments } from '../src/tools/spec.js';
import type { ToolHandler } from '../src/tools/types.js';
import type { Step } from '../test/emulator/index.js';
import { call, respond, say, startEmulator, think } from '../test/emulator/index.js';
import { testSettings } from '../test/support/thread.js';

const mode = process.argv[2] === 'baseline' ? 'baseline' : 'harness';
const steps = Number(process.argv[3] ?? 40);

function script(n: number): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      respond(
        think(`Step ${i}: look at the next file.`, `enc-${i}-${'x'.repeat(200)}`),
        call('noop', { i, path: `src/file_${i}.ts` }),
      ),
    );
  }
  out.push(respond(say('All steps done.')));
  return out;
}

let toolMs = 0;
const schema = z.object({ i: z.number(), path: z.string() });
const noop: ToolHandler<z.infer<typeof schema>> = {
  name: 'noop',
  spec: functionSpec('noop', 'Does nothing, quickly.', schema),
  parallel: true,
  parse: (raw) => parseJsonArguments('noop', raw, schema),
  run: async (args) => {
    const start = performance.now();
    const output = `Exit code: 0\nWall time: 0.0 seconds\nOutput:\ncontents of ${args.path}\n${'line\n'.repeat(40)}`;
    toolMs += performance.now() - start;
    return { output, success: true };
  },
};

const emulator = await startEmulator({ script: script(steps), validateRequests: false });
let modelMs = 0;
const t0 = performance.now();

if (mode === 'harness') {
  const settings = testSettings();
  const client = new ResponsesClient({
    baseURL: emulator.url,
    apiKey: 'bench',
    idleTimeoutMs: 60_000,
    errorContext: { apiKeyEnvVar: 'OPENAI_API_KEY', providerName: 'OpenAI' },
  });
  // Time spent inside the wire client's stream (request + events), to separate it from the loop.
  const timed = {
    async *stream(request: Parameters<ResponsesClient['stream']>[0], signal: AbortSignal) {
      let mark = performance.now();
      for await (const event of client.stream(request, signal)) {
        modelMs += performance.now() - mark;
        yield event;
        mark = performance.now();
      }
      modelMs += performance.now() - mark;
    },
  };
  const thread = new Thread({
    client: timed,
    settings: { ...settings, reasoning: { effort: 'medium', summary: 'auto' } },
    tools: new ToolRegistry([noop]),
  });
  const outcome = await thread.runTurn('Work through every file.');
  if (outcome.status !== 'completed') throw new Error(`session failed: ${JSON.stringify(outcome)}`);
} else {
  const sdk = new OpenAI({ baseURL: emulator.url, apiKey: 'bench', maxRetries: 0 });
  // Same instructions and initial context as the harness sends, so both move the same bytes.
  const reference = new Thread({
    client: { stream: async function* () {} },
    settings: testSettings(),
    tools: new ToolRegistry([noop]),
  });
  const input: unknown[] = [
    ...reference.history,
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Work through every file.' }] },
  ];
  const tools = [noop.spec];
  for (;;) {
    const mark = performance.now();
    const stream = await sdk.responses.create({
      model: 'gpt-test',
      instructions: reference.settings.baseInstructions,
      input: input as OpenAI.Responses.ResponseInput,
      tools: tools as OpenAI.Responses.Tool[],
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'medium', summary: 'auto' },
    });
    const items: Array<Record<string, unknown>> = [];
    for await (const event of stream) {
      if (event.type === 'response.output_item.done')
        items.push(event.item as unknown as Record<string, unknown>);
    }
    modelMs += performance.now() - mark;
    const calls = items.filter((item) => item.type === 'function_call');
    for (const item of items) {
      const { id: _id, status: _status, ...rest } = item;
      input.push(rest);
    }
    if (calls.length === 0) break;
    for (const c of calls) {
      const parsed = noop.parse(String(c.arguments), 'function');
      if (!parsed.ok) throw new Error(parsed.error);
      const result = await noop.run(parsed.args, {} as never);
      input.push({ type: 'function_call_output', call_id: c.call_id, output: result.output });
    }
  }
}

const wallMs = performance.now() - t0;
await emulator.close();
process.stdout.write(
  `${JSON.stringify({ mode, steps, wallMs, modelMs, toolMs, maxRssKb: process.resourceUsage().maxRSS, requests: emulator.requests.length })}\n`,
);
