/**
 * A huge tool-call argument streamed by the model (issue 15, item 7): 10 MB of arguments must not
 * lift Spool's peak RSS far above a plain turn's, and the turn goes on — the model is told the call
 * is over `tool_arguments_max_bytes`, and the next request carries a short placeholder instead of
 * the 10 MB. Through the built binary, peak RSS read from /proc/<pid>/status (VmHWM).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/tools/registry.js';
import { type Emulator, respond, type Step, say, startEmulator } from '../emulator/index.js';
import { runSpool, type SpoolRun } from '../support/spool-bin.js';
import { tempDir, threadOn, WIRES } from '../support/thread.js';
import { echoTool, type RunLog } from '../support/tools.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Peak resident set of a process so far, in bytes (VmHWM), or 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH')
      return 0;
    throw err;
  }
}

/** Runs `spool exec` against a script, watching its peak RSS until it exits. */
async function execWatched(script: Step[]): Promise<{ run: SpoolRun; peak: number; e: Emulator }> {
  emulator = await startEmulator({ script });
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = await runSpool(['exec', '--skip-git-repo-check', '-s', 'read-only', 'go'], {
    cwd: tempDir(),
    env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: tempDir('spool-home-') },
    timeoutMs: 120_000,
    onSpawn: (child) => {
      timer = setInterval(() => {
        peak = Math.max(peak, peakRss(child.pid!));
      }, 20);
    },
  });
  clearInterval(timer);
  return { run, peak, e: emulator };
}

const TEN_MB = 10 * 1024 * 1024;
const MB = 1024 * 1024;

describe('a 10 MB tool-call argument through the binary', () => {
  it.each([
    ['in 64 KiB deltas', 65_536],
    ['in one delta', TEN_MB + 100],
  ])(
    '%s: bounded peak RSS, an "over the limit" error to the model, a small next request',
    async (_, deltaSize) => {
      const baseline = await execWatched([respond(say('done'))]);
      expect(baseline.run.code, baseline.run.stderr).toBe(0);
      await emulator!.close();
      emulator = undefined;

      const huge = {
        type: 'function_call' as const,
        name: 'shell',
        arguments: JSON.stringify({ command: ['echo', 'A'.repeat(TEN_MB)] }),
        delta_size: deltaSize,
      };
      const { run, peak, e } = await execWatched([respond(huge), respond(say('understood'))]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('understood');
      // The model was told why, and the 10 MB did not travel back.
      const second = e.requests[1]!;
      const told = 'over the limit of 4194304 bytes for one tool call (tool_arguments_max_bytes)';
      expect(second.bodyText.includes(told)).toBe(true);
      expect(second.bodyText.length).toBeLessThan(200_000);
      expect(e.problems).toEqual([]);
      // The argument itself is 10 MB and the stream repeats it in four events; a generous bound
      // (the SDK's decoder took about 150 MB more, and tens of seconds).
      const figures = `peak RSS ${(peak / MB).toFixed(0)} MB, baseline ${(baseline.peak / MB).toFixed(0)} MB`;
      expect(peak - baseline.peak, figures).toBeLessThan(80 * MB);
    },
    240_000,
  );
});

describe.each(WIRES)('a tool call over the limit at thread level (%s)', (wire) => {
  it.each([
    ['in 64 KiB deltas', 65_536],
    ['in one delta', 6 * MB],
  ])(
    '%s: never run, a placeholder in history, the limit error to the model, the turn goes on',
    async (_, deltaSize) => {
      const text = 'B'.repeat(5 * MB);
      emulator = await startEmulator({
        script: [
          respond({ type: 'function_call', name: 'echo', arguments: { text }, delta_size: deltaSize }),
          respond(say('understood')),
        ],
      });
      const log: RunLog = { runs: [] };
      const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log)]), {}, { wire });
      expect(await thread.runTurn('go')).toMatchObject({ status: 'completed', finalMessage: 'understood' });
      expect(log.runs).toEqual([]);
      const history = JSON.stringify(thread.history);
      expect(history.length).toBeLessThan(50_000);
      expect(history).toMatch(/over tool_arguments_max_bytes \(4194304\); the call was not run/);
      expect(history).toMatch(
        /echo call rejected: its input is at least \d+ bytes, over the limit of 4194304 bytes for one tool call/,
      );
      const call = thread.history.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'echo' });
      expect(emulator.requests[1]!.bodyText.length).toBeLessThan(50_000);
      expect(emulator.problems).toEqual([]);
    },
    120_000,
  );

  it('a call just under the limit streams, runs and stays as it was', async () => {
    const text = 'C'.repeat(3 * MB);
    emulator = await startEmulator({
      script: [
        respond({ type: 'function_call', name: 'echo', arguments: { text }, delta_size: 3 * MB + 100 }),
        respond(say('ran')),
      ],
    });
    const log: RunLog = { runs: [] };
    // A window the 3 MB call and its echo fit in, so no compaction comes between.
    const big = { contextWindow: 10_000_000, autoCompactTokenLimit: 9_000_000 };
    const { thread } = threadOn(emulator, new ToolRegistry([echoTool(log)]), big, { wire });
    expect(await thread.runTurn('go')).toMatchObject({ status: 'completed', finalMessage: 'ran' });
    expect(log.runs).toHaveLength(1);
    expect((log.runs[0]!.args as { text: string }).text).toBe(text);
    expect(thread.history.find((item) => item.type === 'function_call')).toMatchObject({
      arguments: JSON.stringify({ text }),
    });
  }, 120_000);
});
