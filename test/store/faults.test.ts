/**
 * Faults with the real binary: a session in use by another live process, a stale lock, a log that
 * stops growing mid-session (RLIMIT_FSIZE: the kernel refuses the write part-way, as on a full
 * disk), and an unwritable home (permissions; as root, the process runs without CAP_DAC_OVERRIDE).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRollout } from '../../src/store/rollout-reader.js';
import {
  type Emulator,
  type RecordedRequest,
  respond,
  say,
  shellCall,
  startEmulator,
  think,
} from '../emulator/index.js';
import { jsonLines } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { completeJsonLines, inputOf, rolloutOf, startSpool, storeEnv, until } from './support.js';

const FLAGS = ['--json', '--skip-git-repo-check', '-s', 'danger-full-access'];

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** One line appended per step, `steps` steps, then an answer; adaptive (continues after a resume). */
function appendingScript(steps: number) {
  return (request: RecordedRequest) => {
    const step = inputOf(request).filter((item) => item.type === 'function_call_output').length;
    if (step >= steps) return respond(say('done'));
    return respond(
      think(`step ${step} `.repeat(20)),
      shellCall(['bash', '-c', `echo line-${step} >> log.txt`], { call_id: `call_${step}` }),
    );
  };
}

/** Runs a command without the capability to ignore file permissions when we are root. */
function withoutPermissionOverride(): string[] {
  if (process.getuid?.() !== 0) return [];
  const probe = spawnSync('setpriv', ['--version']);
  if (probe.status !== 0) throw new Error('running as root without setpriv: cannot drop CAP_DAC_OVERRIDE');
  const caps = '-dac_override,-dac_read_search';
  return ['setpriv', `--inh-caps=${caps}`, `--bounding-set=${caps}`, '--'];
}

describe('session faults (the built binary)', () => {
  it('refuses a session another live process holds, and takes over once that process is killed', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({
      script: [
        // The first process waits on a stream that never ends.
        respond(say('never finished'), { fault: { kind: 'stall', afterEvents: 2 } }),
        respond(say('resumed')),
      ],
    });
    const env = storeEnv(emulator);
    let id: string | undefined;
    const holder = startSpool(['exec', ...FLAGS, '-C', workdir, 'hold it'], env, {
      onLine: (line) => {
        id ??= (JSON.parse(line) as { thread_id?: string }).thread_id;
      },
    });
    await emulator.waitForRequests(1);
    await until(() => id !== undefined, 'the thread id');

    const second = await startSpool(['exec', 'resume', id!.slice(0, 13), ...FLAGS, 'me too'], env).done;
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `session ${id} is in use by process ${holder.child.pid} \\(since .*\\)\\. If that process is gone, delete .*\\.lock`,
      ),
    );
    expect(emulator.requests).toHaveLength(1);

    holder.child.kill('SIGKILL');
    await holder.done;
    const third = await startSpool(['exec', 'resume', id!, ...FLAGS, 'now'], env).done;
    expect(third.code, third.stderr).toBe(0);
    expect(completeJsonLines(third.stdout).at(-1)).toMatchObject({ type: 'turn.completed' });
  });

  it('a log that cannot grow (write refused part-way) fails the turn cleanly and leaves no torn line', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({ script: appendingScript(16) });
    const env = storeEnv(emulator);
    // The log may grow to this size; the session needs several times more.
    const limit = 9_000;
    const run = await startSpool(['exec', ...FLAGS, '-C', workdir, 'write lines'], env, {
      prefix: ['prlimit', `--fsize=${limit}`, '--'],
    }).done;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /the session log could not be written, so the turn was stopped: .*EFBIG: file too large/,
    );
    const events = jsonLines(run.stdout);
    expect(events.at(-1)).toMatchObject({
      type: 'turn.failed',
      error: { message: expect.stringMatching(/session log could not be written/) },
    });
    expect(events.filter((e) => e.type === 'turn.failed')).toHaveLength(1);

    const id = events[0]!.thread_id as string;
    const file = rolloutOf(env.SPOOL_HOME!, id);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.length).toBeLessThanOrEqual(limit);
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const atFailure = readRollout(file);
    expect(atFailure.warnings).toEqual([]);
    // Every command that ran has its call in the log (a call is recorded before its tool starts).
    const ran = fs.readFileSync(path.join(workdir, 'log.txt'), 'utf8').trim().split('\n');
    const calls = atFailure.history.filter((item) => item.type === 'function_call');
    expect(calls.length).toBeGreaterThanOrEqual(ran.length);

    // With room again, the session resumes and finishes; no step runs twice.
    const resumed = await startSpool(['exec', 'resume', id, ...FLAGS, 'go on'], env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(workdir, 'log.txt'), 'utf8').trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBeGreaterThanOrEqual(15);
    expect(emulator.problems).toEqual([]);
  });

  it('an unwritable home is a clear error before anything runs', async () => {
    emulator = await startEmulator({ script: [respond(shellCall('touch should-not-exist'))] });
    const home = tempDir('spool-home-');
    fs.chmodSync(home, 0o555);
    try {
      const run = await startSpool(['exec', ...FLAGS, '-C', tempDir(), 'hi'], storeEnv(emulator, home), {
        prefix: withoutPermissionOverride(),
      }).done;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/spool: cannot record the session: .*EACCES: permission denied/);
      expect(emulator.requests).toHaveLength(0);
    } finally {
      fs.chmodSync(home, 0o755);
    }
  });

  it('a read-only log cannot be resumed: a clear error, the file untouched', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({ script: [respond(say('first')), respond(say('never sent'))] });
    const env = storeEnv(emulator);
    const first = await startSpool(['exec', ...FLAGS, '-C', workdir, 'hi'], env).done;
    expect(first.code, first.stderr).toBe(0);
    const id = jsonLines(first.stdout)[0]!.thread_id as string;
    const file = rolloutOf(env.SPOOL_HOME!, id);
    const before = fs.readFileSync(file);
    fs.chmodSync(file, 0o444);
    const run = await startSpool(['exec', 'resume', id, ...FLAGS, 'again'], env, {
      prefix: withoutPermissionOverride(),
    }).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot open the session log .*: EACCES: permission denied/);
    expect(fs.readFileSync(file)).toEqual(before);
    expect(emulator.requests).toHaveLength(1);
  });
});
