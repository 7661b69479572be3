/** Small real tools for loop tests: they record each run so tests can count executions. */
import { z } from 'zod';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';

export interface RunLog {
  runs: Array<{ tool: string; args: unknown; startedAt: number; endedAt?: number }>;
}

/** `echo {text, delay_ms?}` → returns the text after an optional delay; parallel-safe. */
export function echoTool(log: RunLog, parallel = true): ToolHandler<{ text: string; delay_ms?: number }> {
  const schema = z.object({ text: z.string(), delay_ms: z.number().int().optional() });
  return {
    name: 'echo',
    spec: functionSpec('echo', 'Returns its text.', schema),
    parallel,
    parse: (raw) => parseJsonArguments('echo', raw, schema),
    run: async (args, ctx) => {
      const entry: RunLog['runs'][number] = { tool: 'echo', args, startedAt: Date.now() };
      log.runs.push(entry);
      if (args.delay_ms) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, args.delay_ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      entry.endedAt = Date.now();
      if (ctx.signal.aborted) return { output: 'aborted', success: false };
      return { output: `echo: ${args.text}`, success: true };
    },
  };
}

/** `write_marker {name}` → not parallel-safe; records the run. */
export function writeTool(log: RunLog): ToolHandler<{ name: string }> {
  const schema = z.object({ name: z.string() });
  return {
    name: 'write_marker',
    spec: functionSpec('write_marker', 'Writes a marker.', schema),
    parallel: false,
    parse: (raw) => parseJsonArguments('write_marker', raw, schema),
    run: async (args) => {
      const entry: RunLog['runs'][number] = { tool: 'write_marker', args, startedAt: Date.now() };
      log.runs.push(entry);
      await new Promise((resolve) => setTimeout(resolve, 20));
      entry.endedAt = Date.now();
      return { output: `wrote ${args.name}`, success: true };
    },
  };
}
