/** Runs the built `bin/spool` as a user would, against an emulator. */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPOOL_BIN = path.join(ROOT, 'bin/spool');

export interface SpoolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpoolOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: string;
  /** Called once the process is running (e.g. to send it a signal later). */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
  /** Descriptors the child inherits at these numbers (beyond stdio): child fd → an open fd of ours. */
  inheritFds?: Record<number, number>;
}

/** stdio entries from fd 3 up: the given descriptors at their numbers, nothing in between. */
function inheritedStdio(fds: Record<number, number> = {}): Array<number | 'ignore'> {
  const top = Math.max(2, ...Object.keys(fds).map(Number));
  return Array.from({ length: top - 2 }, (_, i) => fds[i + 3] ?? 'ignore');
}

export function runSpool(args: string[], options: SpoolOptions = {}): Promise<SpoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPOOL_BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe', ...inheritedStdio(options.inheritFds)],
    }) as ChildProcessWithoutNullStreams;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spool ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    options.onSpawn?.(child);
  });
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
