/**
 * kill -9 at many points of a scripted 40-step session run by the real binary, each time resumed
 * with `spool exec resume`, until the session finishes. After every kill:
 *
 * - the resumed process's first request starts with exactly the bytes of the last request the
 *   killed process sent (every field but `input` equal, `input` a byte-exact prefix), and what
 *   follows is at most the response that was streaming (its reasoning, its call and the call's
 *   recorded output or `aborted`), then the new prompt;
 * - everything the killed process's JSONL showed as done is kept: finished commands are in the
 *   history with their real output, reasoning it showed is in the log;
 * - no tool runs twice: every step appends one line to a file, and each line is there once.
 *
 * The kill points are aimed at distinct moments: between requests, after a reasoning item arrived,
 * while a tool runs, after a tool's output was recorded but before the response completed, after
 * the final answer arrived, and at a few timer offsets into a response (those land anywhere).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRollout } from '../../src/store/rollout-reader.js';
import { chunkText } from '../emulator/ids.js';
import {
  CACHE_STEP_TOKENS,
  cachedTokensForPrefix,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  shellCall,
  startEmulator,
  think,
} from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  bodyWithoutInput,
  completeJsonLines,
  type Item,
  inputOf,
  itemsText,
  rolloutOf,
  startSpool,
  storeEnv,
  until,
} from './support.js';

const STEPS = 40;
const FLAGS = ['--json', '--skip-git-repo-check', '-s', 'danger-full-access'];

type Phase = 'between' | 'reasoning' | 'tool' | 'output' | 'answer' | 'timer';
interface KillPoint {
  step: number;
  phase: Phase;
  /** For `timer`: ms after the step's request reached the emulator. */
  delayMs?: number;
}

const KILLS: KillPoint[] = [
  { step: 0, phase: 'between' },
  { step: 2, phase: 'reasoning' },
  { step: 4, phase: 'tool' },
  { step: 6, phase: 'output' },
  { step: 11, phase: 'between' },
  { step: 13, phase: 'reasoning' },
  { step: 15, phase: 'tool' },
  { step: 20, phase: 'timer', delayMs: 2 },
  { step: 26, phase: 'tool' },
  { step: 29, phase: 'output' },
  { step: 31, phase: 'timer', delayMs: 8 },
  { step: 37, phase: 'timer', delayMs: 15 },
  { step: 39, phase: 'output' },
  { step: STEPS, phase: 'answer' },
];

function commandFor(step: number, sleeper: boolean): string[] {
  const append = `echo line-${step} >> log.txt`;
  return ['bash', '-c', sleeper ? `${append} && echo $$ > sleeper.pid && exec sleep 30` : append];
}

/** The step a request asks for: one per tool output already in its input. */
function stepOf(request: RecordedRequest): number {
  return inputOf(request).filter((item) => item.type === 'function_call_output').length;
}

const sleepers: number[] = [];
afterAll(() => {
  for (const pid of sleepers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

describe('kill -9 and resume (the built binary)', () => {
  it('survives a kill at every kill point of a 40-step session: nothing acknowledged lost, no tool run twice', {
    timeout: 120_000,
  }, async () => {
    const workdir = tempDir();
    const logFile = path.join(workdir, 'log.txt');
    const armed: { point?: KillPoint; faultUsed: boolean } = { faultUsed: false };

    const script = (request: RecordedRequest): Step => {
      const step = stepOf(request);
      const point = armed.point?.step === step && !armed.faultUsed ? armed.point : undefined;
      if (step >= STEPS) {
        if (point?.phase !== 'answer') return respond(say('Wrote 40 lines.'));
        armed.faultUsed = true;
        // The answer arrives (and is shown); the stream then stalls before the response completes.
        const throughAnswer = 2 + 5 + chunkText('Wrote 40 lines.').length;
        return respond(say('Wrote 40 lines.'), { fault: { kind: 'stall', afterEvents: throughAnswer } });
      }
      const argv = commandFor(step, point?.phase === 'tool');
      const items = [think(`step ${step}`), shellCall(argv, { call_id: `call_${step}` })];
      if (point?.phase !== 'reasoning' && point?.phase !== 'output') return respond(...items);
      armed.faultUsed = true;
      const args = JSON.stringify({ command: argv });
      const throughReasoning = 2 + 6;
      const throughCall = throughReasoning + 3 + chunkText(args).length;
      const afterEvents = point.phase === 'reasoning' ? throughReasoning : throughCall;
      return respond(...items, { fault: { kind: 'stall', afterEvents } });
    };

    let killNow: (() => void) | undefined;
    const emulator: Emulator = await startEmulator({
      script,
      onRequest: (request) => {
        const point = armed.point;
        if (!point || stepOf(request) !== point.step) return;
        if (point.phase === 'between') killNow?.();
        if (point.phase === 'timer') setTimeout(() => killNow?.(), point.delayMs);
      },
    });
    const env = storeEnv(emulator);
    const home = env.SPOOL_HOME!;
    let threadId: string | undefined;
    let previous: KillRecord | undefined;

    try {
      for (let run = 0; run <= KILLS.length; run++) {
        const point = KILLS[run];
        armed.point = point;
        armed.faultUsed = false;
        const firstRequest = emulator.requests.length;
        const args =
          run === 0
            ? ['exec', ...FLAGS, '-C', workdir, 'write forty lines']
            : ['exec', 'resume', threadId!, ...FLAGS, 'continue'];
        let killed = false;
        const live = startSpool(args, env, {
          onLine: (line, child) => {
            const event = JSON.parse(line) as { type: string; thread_id?: string; item?: Item };
            if (event.type === 'thread.started') threadId = event.thread_id;
            const shown = event.type === 'item.completed' ? event.item : undefined;
            if (
              point?.phase === 'reasoning' &&
              shown?.type === 'reasoning' &&
              shown.text === `step ${point.step}`
            )
              child.kill('SIGKILL');
            if (point?.phase === 'answer' && shown?.type === 'agent_message') child.kill('SIGKILL');
          },
        });
        killNow = () => {
          killed = true;
          live.child.kill('SIGKILL');
        };
        if (previous) {
          const exited = live.done.then((r) => {
            throw new Error(`the resumed process exited (${r.code}) before its first request: ${r.stderr}`);
          });
          const waited = emulator.waitForRequests(previous.next + 1, 20_000).catch(async (err: Error) => {
            live.child.kill('SIGKILL');
            const r = await live.done;
            throw new Error(`${err.message}; the resumed process printed: ${r.stdout}\n${r.stderr}`);
          });
          await Promise.race([waited, exited]);
          checkResume(previous, emulator.requests[previous.next]!);
          previous = undefined;
        }
        if (point?.phase === 'tool') {
          const pidFile = path.join(workdir, 'sleeper.pid');
          await until(
            () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'),
            'the tool',
          );
          sleepers.push(Number(fs.readFileSync(pidFile, 'utf8')));
          fs.rmSync(pidFile);
          killNow();
        }
        if (point?.phase === 'output') {
          const recorded = new RegExp(
            `"type":"tool_output","payload":\\{[^\\n]*"call_id":"call_${point.step}"`,
          );
          await until(
            () => threadId !== undefined && recorded.test(fs.readFileSync(rolloutOf(home, threadId), 'utf8')),
            `the output of step ${point.step}`,
          );
          killNow();
        }
        const result = await live.done;
        if (!point) {
          // The last run finishes the session.
          expect(result.code, result.stderr).toBe(0);
          expect(completeJsonLines(result.stdout).at(-1)).toMatchObject({ type: 'turn.completed' });
          break;
        }
        expect(
          result.signal,
          `run ${run} (${point.phase} at step ${point.step}) was not killed: ${result.stderr}`,
        ).toBe('SIGKILL');
        expect(killed || point.phase === 'reasoning' || point.phase === 'answer').toBe(true);
        previous = {
          point,
          last: emulator.requests.slice(firstRequest).at(-1)!,
          shown: completeJsonLines(result.stdout),
          logAtKill: fs.readFileSync(rolloutOf(home, threadId!), 'utf8'),
          next: emulator.requests.length,
        };
      }

      const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
      const final = readRollout(rolloutOf(home, threadId!));
      expect(final.warnings).toEqual([]);
      expect(final.unfinishedTurn).toBeUndefined();
      const outputs = new Map<string, string>();
      for (const item of final.history) {
        if (item.type === 'function_call_output') {
          expect(outputs.has(item.call_id), `${item.call_id} answered twice`).toBe(false);
          outputs.set(item.call_id, String(item.output));
        }
      }
      for (let step = 0; step < STEPS; step++) {
        const count = lines.filter((line) => line === `line-${step}`).length;
        const output = outputs.get(`call_${step}`);
        expect(output, `step ${step} has no output`).toBeDefined();
        // A tool that finished ran exactly once; one killed while running ran at most once.
        if (output === 'aborted') expect(count).toBeLessThanOrEqual(1);
        else expect(count, `line-${step} in log.txt`).toBe(1);
      }
      expect(lines).toEqual([...lines].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))));
      expect(final.history.at(-1)).toMatchObject({ type: 'message', role: 'assistant' });
      expect(emulator.problems).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});

interface KillRecord {
  point: KillPoint;
  /** The last request the killed process sent. */
  last: RecordedRequest;
  /** Its complete stdout lines. */
  shown: Array<Record<string, unknown>>;
  /** Its rollout file right after the kill. */
  logAtKill: string;
  /** Index of the resumed process's first request. */
  next: number;
}

/** Checks the resumed process's first request against what the killed process had sent and shown. */
function checkResume(kill: KillRecord, first: RecordedRequest): void {
  const { point, last, shown, logAtKill } = kill;
  const where = `${point.phase} at step ${point.step}`;

  // Every field but the input, byte for byte (same thread id, so the same prompt cache key).
  expect(bodyWithoutInput(first), where).toBe(bodyWithoutInput(last));
  const before = itemsText(inputOf(last));
  const after = itemsText(inputOf(first));
  expect(after.slice(0, before.length), where).toEqual(before);
  // So the provider's prefix cache is warm: all of the last request's prompt is a cached prefix.
  expect(first.cachedTokens, where).toBeGreaterThanOrEqual(
    cachedTokensForPrefix(last.inputTokens) - CACHE_STEP_TOKENS,
  );
  expect(first.cachedTokens, where).toBeGreaterThan(0);
  const input = inputOf(first);
  expect(input.at(-1), where).toEqual({
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: 'continue' }],
  });

  // Between the two: nothing, or the response that was streaming, closed as the live loop closes it.
  const extra = input.slice(before.length, -1);
  if (extra.length > 0) {
    expect(
      extra.map((item) => item.type),
      where,
    ).toEqual(['reasoning', 'function_call', 'function_call_output']);
    expect(extra[1]).toMatchObject({ call_id: `call_${stepOf(last)}` });
    expect(String(extra[2]!.output)).toMatch(/^(aborted|Exit code: 0\n)/);
  }
  const expected: Record<Phase, string | undefined> = {
    between: 'none',
    reasoning: 'none',
    answer: 'none',
    tool: 'aborted',
    output: 'recorded',
    timer: undefined,
  };
  const shape = extra.length === 0 ? 'none' : extra[2]!.output === 'aborted' ? 'aborted' : 'recorded';
  if (expected[point.phase]) expect(shape, where).toBe(expected[point.phase]);

  // Everything the killed process showed as done.
  const history = new Map(input.map((item) => [`${item.type}:${item.call_id ?? ''}`, item]));
  for (const line of shown) {
    const item = line.type === 'item.completed' ? (line.item as Item) : undefined;
    if (item?.type === 'command_execution' && item.status === 'completed') {
      const n = /line-(\d+)/.exec(String(item.command))![1];
      expect(history.has(`function_call:call_${n}`), `${where}: call_${n}`).toBe(true);
      const output = history.get(`function_call_output:call_${n}`);
      expect(output, `${where}: output of call_${n}`).toBeDefined();
      // A timer can land between the command's display and its output's write (see docs/sessions.md).
      if (point.phase !== 'timer')
        expect(output!.output, `${where}: output of call_${n}`).not.toBe('aborted');
    }
    if (item?.type === 'reasoning' || item?.type === 'agent_message') {
      expect(logAtKill, `${where}: ${item.type} ${item.text}`).toContain(JSON.stringify(String(item.text)));
    }
  }
}
