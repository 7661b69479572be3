/**
 * At most once across a crash: `spool media` is killed (SIGKILL) while it polls a video task; the
 * journal holds the submission and its task id; `spool media resume` polls that task — it submits
 * nothing again — collects the file, records it and tells the model.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaSessions, mediaWorld, modelRequests, readManifest } from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('spool media: at most once (retries, kill -9 and resume)', () => {
  it('polls the recorded task instead of submitting it again', async () => {
    world = await mediaWorld(
      [respond(call('generate_video', { prompt: 'Orbit' }, 'v1')), respond(say('Collected the orbit clip.'))],
      { videoTasks: [{ statuses: ['queued', 'running'], hold: true }] },
    );
    let child: ChildProcess | undefined;
    const killed = runSpool(['media', '--budget', '1', 'an orbit clip'], {
      cwd: world.project,
      env: world.env,
      onSpawn: (c) => {
        child = c;
      },
    });
    const media = world.media;
    await until(() => (media.polls.get('cgt-0001') ?? 0) >= 3, 'the task to be polled');
    child?.kill('SIGKILL');
    const first = await killed;
    expect(first.signal).toBe('SIGKILL');

    // The journal holds the submission and its task id, and no end.
    const [session] = mediaSessions(world.home);
    const journal = fs
      .readFileSync(path.join(world.home, 'media', `${session}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; task_id?: string });
    expect(journal.map((line) => line.type)).toEqual(['settings', 'submit', 'accepted']);
    expect(journal[2]?.task_id).toBe('cgt-0001');

    world.media.settle('cgt-0001', 'succeeded');
    const resumed = await runSpool(['media', 'resume', '--last'], { cwd: world.project, env: world.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('collecting video task cgt-0001');
    // Submitted once in all; the file came from the recorded task.
    expect(world.media.submissions).toHaveLength(1);
    expect(
      world.emulator.requests.filter((r) => r.method === 'POST' && r.path.includes('/tasks')),
    ).toHaveLength(1);
    expect(fs.readFileSync(path.join(world.project, 'media/orbit-1.mp4'), 'utf8')).toContain('cgt-0001');
    expect(readManifest(path.join(world.project, 'media')).assets).toMatchObject([
      { file: 'orbit-1.mp4', task_id: 'cgt-0001', session_id: session, cost_usd: 0.15 },
    ]);
    // The model saw the interrupted call as aborted, then the recovery note with the file.
    const last = modelRequests(world.emulator).at(-1);
    const input = JSON.stringify(last?.body?.input);
    expect(input).toContain('"call_id":"v1","output":"aborted"');
    expect(input).toContain('<media_recovery>');
    expect(input).toContain('was submitted as task cgt-0001 and has now finished: saved media/orbit-1.mp4');
    expect(resumed.stdout).toContain('Collected the orbit clip.');
    expect(resumed.stderr).toContain('$0.1500 of the $1.00 budget spent');
  });

  it('a dropped model stream and a 429 from the image model send the generation once', async () => {
    world = await mediaWorld(
      [
        // The stream drops after the call arrived, before the response completed.
        respond(call('generate_image', { prompt: 'One' }, 'g1'), {
          fault: { kind: 'close', afterEvents: 6 },
        }),
        respond(say('Made one.')),
      ],
      { imageFaults: [{ status: 429, headers: { 'retry-after': '0' } }] },
    );
    const run = await runSpool(['media', 'one image'], { cwd: world.project, env: world.env });
    expect(run.code, run.stderr).toBe(0);
    // The 429 said "not taken": retried once, made once; the dropped stream ran the tool once.
    const posts = world.emulator.requests.filter((r) => r.wire === 'media' && r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(world.media.generations).toHaveLength(1);
    expect(readManifest(path.join(world.project, 'media')).assets.map((a) => a.file)).toEqual(['one-1.png']);
    expect(run.stderr).toContain('media: HTTP 429 from the image model; retrying in 0 ms');
    expect(run.stderr).toContain('$0.0300 spent on generations');
    expect(run.stderr).toContain('Reconnecting... 1/5');
  });

  it('an image request with no answer when the process was killed is reported, never sent again', async () => {
    world = await mediaWorld(
      [respond(call('generate_image', { prompt: 'Hang' }, 'g1')), respond(say('Noted.'))],
      { imageFaults: [{ status: 0 }] },
    );
    let child: ChildProcess | undefined;
    const killed = runSpool(['media', '--budget', '1', 'an image'], {
      cwd: world.project,
      env: world.env,
      onSpawn: (c) => {
        child = c;
      },
    });
    const emulator = world.emulator;
    await until(() => emulator.requests.some((r) => r.wire === 'media'), 'the image request');
    child?.kill('SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    const resumed = await runSpool(['media', 'resume', '--last'], { cwd: world.project, env: world.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(world.emulator.requests.filter((r) => r.wire === 'media')).toHaveLength(1);
    const input = JSON.stringify(modelRequests(world.emulator).at(-1)?.body?.input);
    expect(input).toContain(
      'generate_image (call g1, \\"Hang\\"): the session stopped before the answer arrived',
    );
    expect(input).toContain('it was not submitted again');
    // It may have been made and charged: it counts against the budget.
    expect(resumed.stderr).toContain('$0.0300 of the $1.00 budget spent');
  });

  it('Ctrl-C while a task runs leaves it recorded (exit 130); the resume collects it', async () => {
    world = await mediaWorld(
      [respond(call('generate_video', { prompt: 'Tide' }, 'v1')), respond(say('Collected.'))],
      { videoTasks: [{ statuses: ['queued', 'running'], hold: true }] },
    );
    let child: ChildProcess | undefined;
    const interrupted = runSpool(['media', 'a clip'], {
      cwd: world.project,
      env: world.env,
      onSpawn: (c) => {
        child = c;
      },
    });
    const media = world.media;
    await until(() => (media.polls.get('cgt-0001') ?? 0) >= 2, 'the task to be polled');
    child?.kill('SIGINT');
    const first = await interrupted;
    expect(first.code, first.stderr).toBe(130);
    world.media.settle('cgt-0001', 'succeeded');
    const resumed = await runSpool(['media', 'resume', '--last'], { cwd: world.project, env: world.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(world.media.submissions).toHaveLength(1);
    expect(fs.existsSync(path.join(world.project, 'media/tide-1.mp4'))).toBe(true);
  });
});
