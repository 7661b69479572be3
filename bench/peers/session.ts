/**
 * One measured run of a harness: a scripted session against a fresh emulator in this process,
 * `--version`, or the bare-node baseline for the first request.
 *
 * The script adapts to the harness: every step asks for one shell command through whichever shell
 * tool the request offers (pi's `bash`, Codex's `exec_command`/`shell_command`, Spool's `shell`), and
 * the step after the last one is the final answer. The command times itself with bash's
 * `$EPOCHREALTIME`, so "time inside the tool command" is the same thing for every harness, and its
 * output (which each harness must send back) proves that it ran.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  call,
  type RecordedRequest,
  respond,
  type Step,
  say,
  startEmulator,
  think,
} from '../../test/emulator/index.js';
import { now, wallClockOffset } from './clock.js';
import type { Harness, Launch } from './harnesses.js';
import { TreeSampler } from './proc-tree.js';
import { type RequestTiming, type SessionFigures, sessionFigures } from './stats.js';

export function commandFor(step: number): string {
  return `echo "step ${step} start $EPOCHREALTIME"; echo "step ${step} end $EPOCHREALTIME"`;
}

/** The call that runs `command` through the shell tool this request offers, or undefined. */
export function shellCallFor(tools: unknown, command: string) {
  const names = new Set(
    (Array.isArray(tools) ? tools : []).map((tool) => {
      const t = tool as { name?: unknown; function?: { name?: unknown } };
      return String(t.name ?? t.function?.name ?? '');
    }),
  );
  if (names.has('bash')) return call('bash', { command });
  if (names.has('shell_command')) return call('shell_command', { command });
  if (names.has('exec_command')) return call('exec_command', { cmd: command });
  if (names.has('shell')) return call('shell', { command: ['bash', '-lc', command] });
  return undefined;
}

export function sessionScript(steps: number) {
  return (request: RecordedRequest, index: number): Step | undefined => {
    if (index > steps) return undefined;
    if (index === steps) return respond(say('All steps done.'));
    const shell = shellCallFor(request.body?.tools, commandFor(index));
    if (!shell) return respond(say('No shell tool was offered.'));
    return respond(think(`Step ${index}: run the next command.`), shell);
  };
}

/** The timing a command printed about itself, found in the request that carries its output. */
export function commandTiming(
  body: string,
  step: number,
  wallOffsetMs: number,
): { startAt: number; endAt: number } | undefined {
  const stamp = (marker: string): number | undefined => {
    let at = body.lastIndexOf(marker);
    while (at >= 0) {
      const match = /^(\d+\.\d+)/.exec(body.slice(at + marker.length, at + marker.length + 32));
      if (match) return Number(match[1]) * 1000 - wallOffsetMs;
      at = body.lastIndexOf(marker, at - 1);
    }
    return undefined;
  };
  const startAt = stamp(`step ${step} start `);
  const endAt = stamp(`step ${step} end `);
  return startAt !== undefined && endAt !== undefined ? { startAt, endAt } : undefined;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

function start(
  launch: Launch,
  logBase: string,
): { child: ChildProcess; startedAt: number; done: Promise<Exit> } {
  const out = openSync(`${logBase}.stdout`, 'w');
  const err = openSync(`${logBase}.stderr`, 'w');
  const startedAt = now();
  // Its own process group, so whatever it leaves behind can be stopped with it.
  const child = spawn(launch.file, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    stdio: ['ignore', out, err],
    detached: true,
  });
  closeSync(out);
  closeSync(err);
  const done = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, at: now() }));
  });
  return { child, startedAt, done };
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function withTimeout(child: ChildProcess, done: Promise<Exit>, ms: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Exit>((resolve) => {
    timer = setTimeout(() => {
      stopGroup(child);
      resolve({ code: null, signal: 'SIGKILL', at: now() });
    }, ms);
  });
  try {
    return await Promise.race([done, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function tail(file: string, lines = 4): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ').slice(-600);
  } catch (err) {
    return `(no ${path.basename(file)}: ${(err as Error).message})`;
  }
}

export interface SessionResult extends SessionFigures {
  harness: string;
  steps: number;
  ok: boolean;
  error?: string;
  wallMs: number;
  launchToFirstRequestMs: number;
  /** Last answer's end → process exit. */
  exitMs: number;
  peakRssKb: number;
  rootHwmKb: number;
}

export async function runSession(harness: Harness, steps: number, scratch: string): Promise<SessionResult> {
  const workdir = path.join(scratch, 'work', `${harness.id}-${steps}-${Date.now()}`);
  mkdirSync(workdir, { recursive: true });
  const offset = wallClockOffset();
  const timings = new Map<number, RequestTiming & { seq: number; wire: string; outcome: string }>();
  const emulator = await startEmulator({
    validateRequests: false,
    script: sessionScript(steps),
    onRequest: (record) => {
      const command =
        record.stepIndex !== undefined && record.stepIndex > 0
          ? commandTiming(record.bodyText, record.stepIndex - 1, offset)
          : undefined;
      timings.set(record.seq, {
        seq: record.seq,
        wire: record.wire,
        outcome: record.outcome,
        receivedAt: record.receivedAt,
        answeredAt: Number.NaN,
        bytes: Buffer.byteLength(record.bodyText),
        inputTokens: record.inputTokens,
        cachedTokens: record.cachedTokens,
        ...(command ? { command } : {}),
      });
      // The bench keeps only its figures: a 1,000-step session resends hundreds of MB in total.
      record.bodyText = '';
      record.body = undefined;
      record.effectiveBody = undefined;
    },
    onResponseEnd: (record) => {
      const timing = timings.get(record.seq);
      if (timing) timing.answeredAt = now();
    },
  });
  const launch = harness.session(emulator.url, workdir);
  const logBase = workdir;
  const { child, startedAt, done } = start(launch, logBase);
  const sampler = new TreeSampler(child.pid ?? -1);
  const exit = await withTimeout(child, done, 120_000 + steps * 2_000);
  const memory = sampler.stop();
  stopGroup(child);
  await emulator.close();

  const all = [...timings.values()].sort((a, b) => a.seq - b.seq);
  const answered = all.filter((t) => t.wire === 'responses' && t.outcome === 'response');
  const figures = sessionFigures(answered);
  // Bytes to the model server: every request, whatever it was.
  figures.bytesSent = all.reduce((sum, t) => sum + t.bytes, 0);
  const problems: string[] = [];
  if (exit.code !== 0) problems.push(`exit ${exit.code ?? exit.signal}: ${tail(`${logBase}.stderr`)}`);
  if (answered.length !== steps + 1)
    problems.push(`${answered.length} of ${steps + 1} model requests answered`);
  if (figures.untimedIterations > 0)
    problems.push(`${figures.untimedIterations} command outputs never came back`);
  const last = answered.at(-1);
  return {
    harness: harness.id,
    steps,
    ok: problems.length === 0,
    ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
    ...figures,
    wallMs: exit.at - startedAt,
    launchToFirstRequestMs: (answered[0]?.receivedAt ?? Number.NaN) - startedAt,
    exitMs: last ? exit.at - last.answeredAt : Number.NaN,
    peakRssKb: memory.peakKb,
    rootHwmKb: memory.rootHwmKb,
  };
}

/** Start-up: spawn → exit of `--version` (or of `node -e 0`). */
export async function runVersion(launch: Launch, logBase: string): Promise<{ ms: number; error?: string }> {
  const { child, startedAt, done } = start(launch, logBase);
  const exit = await withTimeout(child, done, 60_000);
  if (exit.code !== 0)
    return { ms: Number.NaN, error: `exit ${exit.code ?? exit.signal}: ${tail(`${logBase}.stderr`)}` };
  return { ms: exit.at - startedAt };
}

/** The baseline of launch → first request: a bare `node` that POSTs one request with `node:http`. */
export async function runBareNodeRequest(scratch: string): Promise<number> {
  const emulator = await startEmulator({ validateRequests: false, script: [respond(say('ok'))] });
  const client = [
    "const r = require('node:http').request(process.argv[1] + '/responses',",
    "{ method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume());",
    `r.end(JSON.stringify({ model: '${'bare'}', input: 'hi', stream: true }));`,
  ].join(' ');
  mkdirSync(scratch, { recursive: true });
  const { child, startedAt, done } = start(
    {
      file: process.execPath,
      args: ['-e', client, emulator.url],
      env: { PATH: process.env.PATH },
      cwd: scratch,
    },
    path.join(scratch, 'bare-node'),
  );
  await withTimeout(child, done, 60_000);
  const first = emulator.requests[0]?.receivedAt;
  await emulator.close();
  return first === undefined ? Number.NaN : first - startedAt;
}
