/**
 * Runs the built `bin/spool exec` in a sandbox layout (workspace and "outside" directories that
 * are not under /tmp) with a scripted model: each script is one `shell` call, then a final answer.
 * Returns the run, the emulator's recorded requests and what each command printed (as the model got
 * it).
 */
import type { ChildProcess } from 'node:child_process';
import { type Emulator, respond, type Step, say, shellCall, startEmulator } from '../emulator/index.js';
import { runSpool, type SpoolRun } from '../support/spool-bin.js';
import type { Layout } from './helpers.js';

export interface BinRun {
  run: SpoolRun;
  emulator: Emulator;
  /** Everything the emulator received, as sent (request bodies). */
  requestText: string;
  /** Each command's output as returned to the model, in order. */
  outputs: string[];
}

export interface BinRunOptions {
  sandbox?: 'read-only' | 'workspace-write';
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** More script steps before the final answer (e.g. apply_patch calls). */
  steps?: Step[];
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
  inheritFds?: Record<number, number>;
}

function callOutputs(emulator: Emulator): string[] {
  const last = emulator.requests.at(-1)?.body as { input?: Array<Record<string, unknown>> } | undefined;
  return (last?.input ?? [])
    .filter((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
    .map((item) => String(item.output));
}

export async function spoolExecIn(
  layout: Layout,
  scripts: string[],
  options: BinRunOptions = {},
): Promise<BinRun> {
  const steps: Step[] = [
    ...scripts.map((script) => respond(shellCall(script, { timeout_ms: 20_000 }))),
    ...(options.steps ?? []),
    respond(say('done')),
  ];
  const emulator = await startEmulator({ script: steps });
  try {
    const run = await runSpool(
      [
        'exec',
        '--skip-git-repo-check',
        '-s',
        options.sandbox ?? 'workspace-write',
        '-C',
        layout.work,
        ...(options.args ?? []),
        'go',
      ],
      {
        cwd: layout.work,
        env: {
          OPENAI_BASE_URL: emulator.url,
          OPENAI_API_KEY: 'test-key',
          SPOOL_HOME: layout.home,
          ...options.env,
        },
        ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
        ...(options.inheritFds ? { inheritFds: options.inheritFds } : {}),
        timeoutMs: options.timeoutMs ?? 60_000,
      },
    );
    return {
      run,
      emulator,
      requestText: emulator.requests.map((r) => r.bodyText).join('\n'),
      outputs: callOutputs(emulator),
    };
  } finally {
    await emulator.close();
  }
}
