/**
 * The fleet's test rig: a real `redis-server` on a free loopback port (started and stopped by the
 * test), git repositories, worker processes of the real binary, and an emulator whose answers are
 * a function of each request, so a job's session gets the same answer however many workers and
 * resumes it goes through:
 *
 *   prompt "JOB <name> STEPS <n> LOG <file> [SLEEP <s>]" → n shell calls, each appending
 *   "<name> <i>" to <file> (then sleeping), then the answer "done <name>".
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_REDIS_URL, type QueueSettings } from '../../src/fleet/settings.js';
import {
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { runSpool, SPOOL_BIN, type SpoolRun } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Runs redis-cli against it. */
  cli(...args: string[]): string;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('spool-redis-');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', String(port), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  for (let i = 0; ; i++) {
    try {
      if (cli('PING') === 'PONG') break;
    } catch (err) {
      if (i > 100) throw err;
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    cli,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A git repository with one commit on `main`. */
export function makeRepo(files: Record<string, string> = { 'README.md': '# demo\n' }): string {
  const dir = tempDir('spool-fleet-repo-');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '--quiet', '--initial-branch=main');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  git('add', '.');
  git('commit', '--quiet', '-m', 'initial');
  return dir;
}

export interface JobSpec {
  name: string;
  steps: number;
  log: string;
  sleepSeconds?: number;
}

export function jobPrompt(spec: JobSpec): string {
  return `JOB ${spec.name} STEPS ${spec.steps} LOG ${spec.log}${spec.sleepSeconds ? ` SLEEP ${spec.sleepSeconds}` : ''}`;
}

function userTexts(request: RecordedRequest): string[] {
  const input = (request.body?.input ?? []) as Array<Record<string, unknown>>;
  const texts: string[] = [];
  for (const item of input) {
    if (item.type !== 'message' || item.role !== 'user') continue;
    for (const part of (item.content ?? []) as Array<Record<string, unknown>>)
      if (typeof part.text === 'string') texts.push(part.text);
  }
  return texts;
}

/** The job a request belongs to, and how many tool outputs its history holds. */
export function jobOf(request: RecordedRequest): { spec: JobSpec; outputs: number } | undefined {
  for (const text of userTexts(request)) {
    const match = /JOB (\S+) STEPS (\d+) LOG (\S+)(?: SLEEP ([\d.]+))?/.exec(text);
    if (!match) continue;
    const input = (request.body?.input ?? []) as Array<Record<string, unknown>>;
    return {
      spec: {
        name: match[1] as string,
        steps: Number(match[2]),
        log: match[3] as string,
        ...(match[4] ? { sleepSeconds: Number(match[4]) } : {}),
      },
      outputs: input.filter((item) => item.type === 'function_call_output').length,
    };
  }
  return undefined;
}

/** The scripted "model" of every fleet job (see the file comment). */
export function jobAnswer(request: RecordedRequest, eventDelayMs = 0): Step | undefined {
  const job = jobOf(request);
  if (!job) return undefined;
  const { spec, outputs } = job;
  const delay = eventDelayMs ? { eventDelayMs } : {};
  if (outputs >= spec.steps) return respond(say(`done ${spec.name}`), delay);
  const pause = spec.sleepSeconds ? `; sleep ${spec.sleepSeconds}` : '';
  return respond(shellCall(`echo "${spec.name} ${outputs + 1}" >> ${spec.log}${pause}`), delay);
}

export interface RequestLog {
  at: number;
  job: string | undefined;
  /** The session's thread id (`prompt_cache_key`). */
  session: string | undefined;
}

export async function startJobEmulator(
  options: {
    eventDelayMs?: number;
    before?: (request: RecordedRequest, index: number) => Step | undefined;
  } = {},
): Promise<{ emu: Emulator; requests: RequestLog[] }> {
  const requests: RequestLog[] = [];
  const emu = await startEmulator({
    script: (request, index) => options.before?.(request, index) ?? jobAnswer(request, options.eventDelayMs),
    onRequest: (request) =>
      requests.push({
        at: Date.now(),
        job: jobOf(request)?.spec.name,
        session: request.body?.prompt_cache_key as string | undefined,
      }),
  });
  return { emu, requests };
}

/** The environment of a fleet process: its own Spool home, the emulator as the model, the Redis. */
export function fleetEnv(home: string, emuUrl: string, redisUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SPOOL_HOME: home,
    OPENAI_BASE_URL: emuUrl,
    SPOOL_REDIS_URL: redisUrl,
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  home: string;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorker(env: NodeJS.ProcessEnv, args: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [SPOOL_BIN, 'worker', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, home: env.SPOOL_HOME as string, output: () => output, exited };
}

export async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGTERM');
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
    await worker.exited;
    clearTimeout(timer);
  }
}

export function spool(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<SpoolRun> {
  return runSpool(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
}

/** Waits until `check` holds, polling. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Lines of a tool-run log, counted. */
export function lineCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!fs.existsSync(file)) return counts;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

/** Queue settings as a client with no configuration file gets them (for in-process clients). */
export function queueSettingsFor(redisUrl: string = DEFAULT_REDIS_URL): QueueSettings {
  return {
    redisUrl,
    redisUrlSource: 'test',
    name: 'spool',
    prefix: 'spool',
    workDir: tempDir('spool-fleet-unused-'),
    resultsDir: tempDir('spool-fleet-unused-'),
    checkpointDir: undefined,
    attempts: 3,
    backoffMs: 10_000,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    shutdownGraceMs: 60_000,
    rateLimits: {},
  };
}
