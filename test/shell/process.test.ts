import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatShellOutput } from '../../src/tools/shell/format.js';
import { ManagedProcess, runProcess } from '../../src/tools/shell/process.js';
import { isAlive, killQuietly, readPid, tempDir, waitFor } from './helpers.js';

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

function bash(script: string) {
  return { argv: ['bash', '-c', script], cwd: dir.path, env: { ...process.env } };
}

describe('runProcess', () => {
  it('reports exit codes and runs in the given cwd', async () => {
    const ok = await runProcess(bash('pwd'));
    expect(ok.exitCode).toBe(0);
    expect(ok.output.head).toBe(`${dir.path}\n`);
    const failed = await runProcess(bash('echo nope; exit 3'));
    expect(failed).toMatchObject({
      exitCode: 3,
      signal: null,
      timedOut: false,
      aborted: false,
      spawnError: null,
    });
  });

  it('maps a signal to 128+n and names it', async () => {
    const result = await runProcess(bash('kill -SEGV $$'));
    expect(result.exitCode).toBe(128 + 11);
    expect(result.signal).toBe('SIGSEGV');
  });

  it('runs the argv directly, with exactly the environment given', async () => {
    const result = await runProcess({
      argv: ['env'],
      cwd: dir.path,
      env: { PATH: process.env.PATH, ONLY_THIS: 'a b $HOME' },
    });
    expect(result.output.head.trim().split('\n').sort()).toEqual([
      `ONLY_THIS=a b $HOME`,
      `PATH=${process.env.PATH}`,
    ]);
  });

  it('interleaves stdout and stderr in arrival order', async () => {
    const chunks: string[] = [];
    const result = await runProcess(bash('echo out1; sleep 0.3; echo err1 >&2; sleep 0.3; echo out2'), {
      onOutput: (chunk) => chunks.push(`${chunk.stream}:${chunk.text}`),
    });
    expect(result.output.head).toBe('out1\nerr1\nout2\n');
    expect(chunks).toEqual(['stdout:out1\n', 'stderr:err1\n', 'stdout:out2\n']);
  });

  it('decodes characters split across chunks and interleaved with the other stream', async () => {
    const texts: string[] = [];
    // € is e2 82 ac: two bytes, a pause, a stderr write, then the last byte.
    const result = await runProcess(
      bash(`printf '\\xe2\\x82'; sleep 0.3; printf 'x' >&2; sleep 0.3; printf '\\xac\\n'`),
      { onOutput: (chunk) => texts.push(chunk.text) },
    );
    expect(result.output.head).toBe('x€\n');
    expect(texts.join('')).toBe('x€\n');
    expect(texts.some((t) => t.includes('\uFFFD'))).toBe(false);
  });

  it('reports a program that cannot start', async () => {
    const result = await runProcess({
      argv: ['definitely-not-a-program-4711'],
      cwd: dir.path,
      env: process.env,
    });
    expect(result.exitCode).toBe(-1);
    expect(result.spawnError).toBe('"definitely-not-a-program-4711": command not found (ENOENT)');
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(dir.path, 'child.pid');
    const started = Date.now();
    const result = await runProcess(bash(`sleep 100 & echo $! > ${pidFile}; echo started; wait`), {
      timeoutMs: 500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(124);
    expect(result.output.head).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(3500);
    const grandchild = readPid(pidFile);
    expect(await waitFor(() => !isAlive(grandchild), 2000)).toBe(true);
  });

  it('escalates to SIGKILL for processes that ignore SIGTERM', async () => {
    const pidFile = join(dir.path, 'stubborn.pid');
    const result = await runProcess(bash(`trap '' TERM; sleep 100 & echo $! > ${pidFile}; wait; wait`), {
      timeoutMs: 300,
      killGraceMs: 300,
    });
    expect(result.timedOut).toBe(true);
    const stubborn = readPid(pidFile);
    // sleep inherited the ignored SIGTERM: only the SIGKILL after the grace period ends it.
    expect(await waitFor(() => !isAlive(stubborn), 3000)).toBe(true);
  });

  it('kills the whole process group on abort', async () => {
    const pidFile = join(dir.path, 'child.pid');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const result = await runProcess(bash(`sleep 100 & echo $! > ${pidFile}; wait`), {
      signal: controller.signal,
    });
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(128 + 15);
    expect(await waitFor(() => !isAlive(readPid(pidFile)), 2000)).toBe(true);
  });

  it('does not start when already aborted', async () => {
    const marker = join(dir.path, 'marker');
    const controller = new AbortController();
    controller.abort();
    const result = await runProcess(bash(`touch ${marker}`), { signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('returns soon after the main process exits when a background child holds the pipes', async () => {
    const pidFile = join(dir.path, 'bg.pid');
    const started = Date.now();
    const result = await runProcess(bash(`sleep 100 & echo $! > ${pidFile}; echo done`), {
      timeoutMs: 20_000,
    });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.output.head).toBe('done\n');
    expect(await waitFor(() => !isAlive(readPid(pidFile)), 2000)).toBe(true);
  });

  it('leaves a background process alone when it let go of the pipes', async () => {
    const pidFile = join(dir.path, 'server.pid');
    const result = await runProcess(bash(`sleep 100 > /dev/null 2>&1 & echo $! > ${pidFile}`));
    const server = readPid(pidFile);
    try {
      expect(result.exitCode).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(server)).toBe(true);
    } finally {
      killQuietly(server);
    }
  });

  it('keeps memory bounded for a gigabyte of output and says how much was omitted', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const gib = 1024 * 1024 * 1024;
    // Generous limits: on a loaded 2-core machine a gigabyte through a pipe takes well over 30 s.
    const result = await runProcess(bash('yes | head -c 1073741824'), { timeoutMs: 240_000 });
    clearInterval(sampler);
    expect(result.exitCode).toBe(0);
    expect(result.output.totalBytes).toBe(gib);
    expect(result.output.totalLines).toBe(gib / 2);
    const kept = Buffer.byteLength(result.output.head) + Buffer.byteLength(result.output.tail);
    expect(kept).toBe(1024 * 1024);
    expect(result.output.omittedBytes).toBe(gib - kept);
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);

    const text = formatShellOutput({
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      timedOut: false,
      aborted: false,
      signal: null,
      output: result.output,
      totalLines: result.output.totalLines,
    });
    expect(text).toContain(`Total output lines: ${gib / 2}\nOutput:\ny\ny\n`);
    expect(text).toContain(`…${(gib - 40_000) / 4} tokens truncated…`);
    expect(text.length).toBeLessThan(41_000);
  }, 300_000);
});

describe('ManagedProcess', () => {
  it('takes input on a piped stdin and ends it', async () => {
    const proc = ManagedProcess.start({ argv: ['cat'], cwd: dir.path, env: process.env, stdin: 'pipe' });
    expect(proc.write('hello\n')).toBe(true);
    proc.endStdin();
    const exit = await proc.done;
    expect(exit.exitCode).toBe(0);
    expect(exit.output.head).toBe('hello\n');
    expect(proc.write('late')).toBe(false);
  });
});
