/**
 * The model emulator from the command line, for `npm run demo` and benchmarks:
 *
 *   npx tsx test/emulator/cli.ts --script test/emulator/scripts/demo.json [--port N]
 *        [--record FILE.jsonl] [--context-window N] [--exit-when-done]
 *
 * The first stdout line is `emulator listening on http://127.0.0.1:PORT/v1`. A script file holds
 * `{"steps": [...], "compact": [...], "models": [...], "contextWindow": N}` or just the steps array.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { MediaEmulator } from './media-server.js';
import type { CompactStep, Step } from './script.js';
import { startEmulator } from './server.js';
import type { EmulatorOptions, RecordedRequest } from './types.js';

interface ScriptFile {
  steps: Step[];
  compact?: CompactStep[];
  models?: string[];
  contextWindow?: number;
}

function loadScript(path: string): ScriptFile {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (Array.isArray(parsed)) return { steps: parsed as Step[] };
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as ScriptFile).steps)) {
    return parsed as ScriptFile;
  }
  throw new Error(`${path}: expected {"steps": [...]} or an array of steps`);
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('emulator')
    .description('Serve a scripted model over the OpenAI Responses and Chat Completions wire formats.')
    .requiredOption('--script <file>', 'JSON script: {"steps": [...]} or an array of steps')
    .option('--port <n>', 'port to listen on (default: a free port)', integer)
    .option('--record <file>', 'append each request as a JSON line')
    .option('--context-window <n>', 'prompt tokens allowed per request', integer)
    .option('--exit-when-done', 'exit once every step has been answered')
    .option('--media', 'also serve image and video models (media-server.ts defaults)')
    .parse(argv);
  const flags = program.opts<{
    script: string;
    port?: number;
    record?: string;
    contextWindow?: number;
    exitWhenDone?: boolean;
    media?: boolean;
  }>();

  const script = loadScript(flags.script);
  const record = (request: RecordedRequest): void => {
    if (flags.record) appendFileSync(flags.record, `${JSON.stringify(request)}\n`);
  };
  const options: EmulatorOptions = {
    script: script.steps,
    onRequest: record,
    onResponseEnd: () => {
      if (flags.exitWhenDone && emulator.remainingSteps() === 0) {
        void emulator.close().then(() => process.exit(0));
      }
    },
  };
  if (script.compact) options.compact = script.compact;
  if (script.models) options.models = script.models;
  const contextWindow = flags.contextWindow ?? script.contextWindow;
  if (contextWindow !== undefined) options.contextWindow = contextWindow;
  if (flags.port !== undefined) options.port = flags.port;
  if (flags.media) options.media = new MediaEmulator();

  const emulator = await startEmulator(options);
  process.stdout.write(`emulator listening on ${emulator.url}\n`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
