import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkText } from '../emulator/ids.js';
import type { OutputSpec } from '../emulator/index.js';
import {
  type Emulator,
  respond,
  type Step,
  say,
  serverError500,
  shellCall,
  startEmulator,
  think,
  unauthorized401,
} from '../emulator/index.js';
import { shapeProblems } from '../support/exec-json-shapes.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: tempDir('spool-home-'), ...extra };
}

const EXEC = ['exec', '--skip-git-repo-check'];

/** Whether `pid` is a live process (a zombie waiting to be reaped is dead). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SSE events of a response whose only item is `spec`, up to and including its output_item.done. */
function eventsThroughCall(spec: OutputSpec): number {
  const args =
    spec.type === 'function_call' && typeof spec.arguments !== 'string' ? JSON.stringify(spec.arguments) : '';
  // created, in_progress, output_item.added, the argument deltas, arguments.done, output_item.done
  return 3 + chunkText(args).length + 2;
}

describe('spool exec (the built binary)', () => {
  it('completes a scripted 40-step session with its effects on disk and a valid JSONL stream', async () => {
    const workdir = tempDir();
    const steps: Step[] = [];
    for (let i = 0; i < 40; i++) {
      steps.push(respond(think(`step ${i}`), shellCall(`echo line-${i} >> log.txt && wc -l < log.txt`)));
    }
    steps.push(respond(say('Wrote 40 lines.')));
    emulator = await startEmulator({ script: steps });

    const run = await runSpool(
      [...EXEC, '--json', '-s', 'danger-full-access', '-C', workdir, 'write forty lines'],
      {
        env: envFor(emulator),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(workdir, 'log.txt'), 'utf8').trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line-${i}`));

    const events = jsonLines(run.stdout);
    expect(shapeProblems(events)).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'thread.started' });
    expect(events[1]).toEqual({ type: 'turn.started' });
    expect(events.at(-1)).toMatchObject({ type: 'turn.completed' });
    const commands = events.filter(
      (e) => e.type === 'item.completed' && (e.item as { type: string }).type === 'command_execution',
    );
    expect(commands).toHaveLength(40);
    expect(commands[39]).toMatchObject({
      item: { exit_code: 0, status: 'completed', aggregated_output: '40\n' },
    });
    expect(events.at(-2)).toMatchObject({
      type: 'item.completed',
      item: { type: 'agent_message', text: 'Wrote 40 lines.' },
    });
    // Item ids are item_0, item_1, … in order of first appearance.
    const ids = [...new Set(events.flatMap((e) => (e.item ? [(e.item as { id: string }).id] : [])))];
    expect(ids).toEqual(ids.map((_, i) => `item_${i}`));
    expect(emulator.requests).toHaveLength(41);
    expect(emulator.problems).toEqual([]);
    // Forty commands, each a process (a login shell) of its own: slow on a loaded machine.
  }, 120_000);

  it('retries a killed connection and never runs a tool twice', async () => {
    const workdir = tempDir();
    const call = shellCall('echo ran >> count.txt');
    emulator = await startEmulator({
      script: [
        // The stream dies right after the call arrives, before response.completed.
        respond(call, { fault: { kind: 'close', afterEvents: eventsThroughCall(call) } }),
        respond(say('done')),
      ],
    });
    const run = await runSpool([...EXEC, '--json', '-s', 'danger-full-access', '-C', workdir, 'count'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workdir, 'count.txt'), 'utf8')).toBe('ran\n');
    const events = jsonLines(run.stdout);
    // The retry is shown to a person on stderr, never as an `error` event (clients treat it as fatal).
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(run.stderr).toMatch(/^Reconnecting\.\.\. 1\/5 \(/m);
    expect(shapeProblems(events)).toEqual([]);
  });

  it('prints the answer on stdout and progress on stderr, reads the prompt from stdin, writes -o', async () => {
    emulator = await startEmulator({ script: [serverError500(), respond(say('The answer is 42.'))] });
    const out = path.join(tempDir(), 'last.txt');
    const run = await runSpool([...EXEC, '-o', out, '-'], {
      env: envFor(emulator),
      stdin: 'what is the answer?\n',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('The answer is 42.\n');
    expect(run.stderr).toMatch(/Reconnecting\.\.\. 1\/4/);
    expect(fs.readFileSync(out, 'utf8')).toBe('The answer is 42.');
    const prompt = (emulator.requests[1]!.body!.input as Array<{ content: Array<{ text: string }> }>).at(-1)!;
    expect(prompt.content[0]!.text).toBe('what is the answer?');
  });

  it('exits 1 with turn.failed when the key is rejected', async () => {
    emulator = await startEmulator({ script: [unauthorized401()] });
    const run = await runSpool([...EXEC, '--json', 'hi'], { env: envFor(emulator) });
    expect(run.code).toBe(1);
    const events = jsonLines(run.stdout);
    expect(events.at(-1)).toMatchObject({
      type: 'turn.failed',
      error: { message: expect.stringMatching(/OPENAI_API_KEY/) },
    });
    expect(shapeProblems(events)).toEqual([]);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runSpool([...EXEC])).code).toBe(2);
    expect((await runSpool([...EXEC, '--sandbox', 'sideways', 'hi'])).code).toBe(2);
    expect((await runSpool(['exec', '--no-such-flag', 'hi'])).code).toBe(2);
    const bad = await runSpool([...EXEC, '-c', 'approval_policy=sometimes', 'hi'], {
      env: { SPOOL_HOME: tempDir() },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/-c approval_policy=sometimes: approval_policy: expected one of/);
  });

  it('runs shell commands inside the sandbox (read-only by default) and tells the model what failed', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({ script: [respond(shellCall('touch marker')), respond(say('ok'))] });
    const run = await runSpool([...EXEC, '--json', '-C', workdir, 'touch it'], { env: envFor(emulator) });
    expect(run.code).toBe(0);
    expect(fs.existsSync(path.join(workdir, 'marker'))).toBe(false);
    const output = (emulator.requests[1]!.body!.input as Array<Record<string, unknown>>).find(
      (i) => i.type === 'function_call_output',
    );
    expect(output!.output).toMatch(/Read-only file system/);
    const item = jsonLines(run.stdout).find((e) => e.type === 'item.completed');
    expect(item).toMatchObject({ item: { type: 'command_execution', status: 'failed', exit_code: 1 } });
  });

  it('-s workspace-write writes inside the cwd, not outside it', async () => {
    const workdir = tempDir();
    const outside = fs.mkdtempSync('/var/tmp/spool-outside-');
    try {
      emulator = await startEmulator({
        script: [respond(shellCall(`touch inside; touch ${outside}/escaped`)), respond(say('ok'))],
      });
      const run = await runSpool([...EXEC, '--json', '-s', 'workspace-write', '-C', workdir, 'touch'], {
        env: envFor(emulator),
      });
      expect(run.code).toBe(0);
      expect(fs.existsSync(path.join(workdir, 'inside'))).toBe(true);
      expect(fs.existsSync(path.join(outside, 'escaped'))).toBe(false);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('compacts a resumed session on request, and the next turn continues from the compacted history', async () => {
    const workdir = tempDir();
    emulator = await startEmulator({
      script: [respond(say('first answer')), respond(say('after compaction'))],
      compact: [{ encrypted_content: 'opaque-after-compact' }],
    });
    const env = envFor(emulator);
    expect((await runSpool([...EXEC, '-C', workdir, 'remember the number 7'], { env })).code).toBe(0);

    const compact = await runSpool(
      ['exec', 'resume', '--last', '--compact', '--json', '--skip-git-repo-check', '-C', workdir],
      {
        env,
      },
    );
    expect(compact.code, compact.stderr).toBe(0);
    expect(jsonLines(compact.stdout)).toContainEqual(
      expect.objectContaining({
        type: 'item.completed',
        item: expect.objectContaining({
          type: 'context_compaction',
          trigger: 'manual',
          mode: 'remote',
          status: 'completed',
        }),
      }),
    );
    expect(emulator.requests.filter((r) => r.wire === 'compact')).toHaveLength(1);

    const next = await runSpool(
      ['exec', 'resume', '--last', '--skip-git-repo-check', '-C', workdir, 'and now?'],
      { env },
    );
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toBe('after compaction\n');
    const input = emulator.requests.at(-1)!.body!.input as Array<Record<string, unknown>>;
    expect(input).toContainEqual({ type: 'compaction', encrypted_content: 'opaque-after-compact' });
    expect(JSON.stringify(input)).toContain('remember the number 7');
    expect(JSON.stringify(input)).not.toContain('first answer');
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`exits ${code} on ${signal} and kills the running command and its children`, async () => {
      const workdir = tempDir();
      emulator = await startEmulator({
        script: [respond(shellCall('echo $$ > pid.txt; sleep 30 & echo $! > child.txt; wait'))],
      });
      const pidFile = path.join(workdir, 'child.txt');
      const run = await runSpool([...EXEC, '--json', '-s', 'danger-full-access', '-C', workdir, 'sleep'], {
        env: envFor(emulator),
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()) {
              clearInterval(poll);
              child.kill(signal);
            }
          }, 20);
        },
      });
      expect(run.code).toBe(code);
      for (const file of ['pid.txt', 'child.txt']) {
        const pid = Number(fs.readFileSync(path.join(workdir, file), 'utf8'));
        expect(running(pid), `${file}: pid ${pid}`).toBe(false);
      }
      expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'turn.failed' });
    });
  }
});
