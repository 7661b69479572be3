/**
 * Prompt-cache efficiency: cached input tokens over a scripted session, compared with the physical
 * limit — every request reusing the whole previous request (at the provider's 128-token
 * granularity). Spool's target is ≥ 99.5 % of that limit. For contrast, the same session is measured
 * with a volatile prefix (a timestamp in the instructions, a bug peers' users report), in the same run.
 *
 *   npx tsx bench/cache.ts
 */
import { Thread } from '../src/agent/thread.js';
import { ToolRegistry } from '../src/tools/registry.js';
import type { RecordedRequest, Step } from '../test/emulator/index.js';
import { cachedTokensForPrefix, call, respond, say, startEmulator, think } from '../test/emulator/index.js';
import { clientFor, testSettings } from '../test/support/thread.js';
import { echoTool } from '../test/support/tools.js';

function script(steps: number): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    out.push(
      respond(
        think(`Step ${i}`, `enc-${i}-${'z'.repeat(120)}`),
        call('echo', { text: `file_${i}.ts ${'line\n'.repeat(20)}` }),
      ),
    );
  }
  out.push(respond(say('Done.')));
  return out;
}

interface Result {
  cached: number;
  limit: number;
  input: number;
}

function efficiency(requests: RecordedRequest[]): Result {
  let cached = 0;
  let limit = 0;
  let input = 0;
  requests.forEach((request, i) => {
    input += request.inputTokens;
    cached += request.cachedTokens;
    if (i > 0) limit += cachedTokensForPrefix(requests[i - 1]!.inputTokens);
  });
  return { cached, limit, input };
}

async function session(steps: number, volatile: boolean): Promise<Result> {
  const emulator = await startEmulator({ script: script(steps) });
  const settings = testSettings({ reasoning: { effort: 'medium', summary: 'auto' } });
  const client = clientFor('responses', emulator.url);
  // The contrast case: a harness that stamps the time into its instructions on every request.
  const stamped = volatile
    ? {
        stream: (request: Parameters<typeof client.stream>[0], signal: AbortSignal) =>
          client.stream(
            { ...request, instructions: `${request.instructions}\nNow: ${process.hrtime.bigint()}` },
            signal,
          ),
      }
    : client;
  const thread = new Thread({ client: stamped, settings, tools: new ToolRegistry([echoTool({ runs: [] })]) });
  const outcome = await thread.runTurn('Work through the files.');
  await emulator.close();
  if (outcome.status !== 'completed') throw new Error(`session failed: ${outcome.status}`);
  return efficiency(emulator.requests.filter((r) => r.wire === 'responses'));
}

const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(2)} %`);
console.log('prompt cache: cached tokens vs the physical limit (whole previous request reused)');
for (const steps of [40, 150]) {
  const spool = await session(steps, false);
  const volatile = await session(steps, true);
  console.log(
    `  ${steps} steps: Spool ${spool.cached.toLocaleString('en-US')} / ${spool.limit.toLocaleString('en-US')} = ${pct(spool.cached, spool.limit)}` +
      ` (cache hit ${pct(spool.cached, spool.input)} of all input);` +
      ` volatile-prefix baseline ${pct(volatile.cached, volatile.limit)}`,
  );
}
