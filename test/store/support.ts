/** Helpers for the session store tests: the binary with live output, rollout lookups, item checks. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Emulator, RecordedRequest } from '../emulator/index.js';
import { ROOT, SPOOL_BIN, type SpoolRun } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

export function storeEnv(emulator: Emulator, home = tempDir('spool-home-')): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
}

export interface LiveSpool {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  done: Promise<SpoolRun>;
}

/**
 * Starts `bin/spool` with `args`; `onLine` sees each complete stdout line as it arrives (to kill the
 * process at a chosen moment). `prefix` goes before node (e.g. `prlimit --fsize=N`).
 */
export function startSpool(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: {
    onLine?: (line: string, child: ChildProcess) => void;
    prefix?: string[];
    timeoutMs?: number;
  } = {},
): LiveSpool {
  const argv = [...(options.prefix ?? []), process.execPath, SPOOL_BIN, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      options.onLine?.(line, child);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const done = new Promise<SpoolRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spool ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Complete JSON lines of a (possibly killed) process's stdout. */
export function completeJsonLines(stdout: string): Array<Record<string, unknown>> {
  const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The one rollout file under `home` for thread `id`. */
export function rolloutOf(home: string, id: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(`-${id}.jsonl`)) found.push(full);
    }
  };
  walk(path.join(home, 'sessions'));
  if (found.length !== 1) throw new Error(`expected one rollout for ${id}, found ${found.length}`);
  return found[0]!;
}

export type Item = Record<string, unknown>;

export function inputOf(request: RecordedRequest): Item[] {
  return (request.body?.input ?? []) as Item[];
}

/** A request body without `input`, serialized (everything else must match byte for byte). */
export function bodyWithoutInput(request: RecordedRequest): string {
  const { input: _input, ...rest } = request.body ?? {};
  return JSON.stringify(rest);
}

export function itemsText(items: Item[]): string[] {
  return items.map((item) => JSON.stringify(item));
}

/** Resolves when `check()` is true (polled), or rejects after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
