/**
 * Media threads in the app-server: `thread/start` with Spool's `media` parameter runs the media
 * agent (its tools, instructions with the brand guide, budget, output folder) like any thread, and
 * `thread/resume` of a media session resumes it as one. `spool exec resume` refuses a media session.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import { serverEnv, streamClient } from '../app-server/support/harness.js';
import { call, respond, say } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import {
  type MediaWorld,
  mediaSessions,
  mediaWorld,
  modelRequests,
  readManifest,
  toolOutputs,
} from './helpers.js';

let world: MediaWorld | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await world?.emulator.close();
  server = undefined;
  world = undefined;
});

describe('media threads in the app-server', () => {
  it('thread/start with media runs the media agent; thread/resume keeps it a media thread', async () => {
    world = await mediaWorld([
      respond(call('generate_image', { prompt: 'Logo' }, 'g1')),
      respond(say('Made the logo.')),
      respond(call('generate_image', { prompt: 'Logo two' }, 'g2')),
      respond(say('Over budget.')),
    ]);
    fs.writeFileSync(path.join(world.project, 'BRAND.md'), 'Only circles.\n');
    server = new AppServer({ env: { ...serverEnv(world.emulator), SPOOL_HOME: world.home } });
    const { client } = streamClient(server);
    await client.initialize();
    const started = await client.call('thread/start', {
      cwd: world.project,
      media: { out: 'assets', budgetUsd: 0.04 },
    });
    const threadId = started.thread.id as string;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'a logo' }] });
    expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
    const first = modelRequests(world.emulator)[0];
    expect(first?.body?.instructions).toContain('Only circles.');
    expect(((first?.body?.tools ?? []) as Array<{ name: string }>).map((t) => t.name).sort()).toEqual([
      'critique_media',
      'generate_image',
      'generate_video',
      'view_media',
    ]);
    expect(readManifest(path.join(world.project, 'assets')).assets).toMatchObject([
      { file: 'logo-1.png', session_id: threadId, cost_usd: 0.03 },
    ]);
    await server.close();

    // A new server resumes the recorded media session: same tools, same budget ($0.01 left).
    server = new AppServer({ env: { ...serverEnv(world.emulator), SPOOL_HOME: world.home } });
    const second = streamClient(server).client;
    await second.initialize();
    await second.call('thread/resume', { threadId });
    const next = await second.call('turn/start', { threadId, input: [{ type: 'text', text: 'another' }] });
    expect((await second.turnCompleted(next.turn.id)).params.turn.status).toBe('completed');
    expect(toolOutputs(world.emulator).get('g2')).toContain('only $0.0100 of the $0.0400 budget remains');
    expect(world.media.generations).toHaveLength(1);
    const instructions = modelRequests(world.emulator).map((r) => r.body?.instructions);
    expect(new Set(instructions).size).toBe(1);
  });

  it('refuses bad media parameters, and `spool exec resume` refuses a media session', async () => {
    world = await mediaWorld([respond(say('Nothing to make.'))]);
    server = new AppServer({ env: { ...serverEnv(world.emulator), SPOOL_HOME: world.home } });
    const { client } = streamClient(server);
    await client.initialize();
    await expect(
      client.call('thread/start', { cwd: world.project, media: { brand: 'missing.md' } }),
    ).rejects.toThrow(/cannot read the brand guide/);
    await server.close();
    server = undefined;

    const made = await runSpool(['media', 'nothing'], { cwd: world.project, env: world.env });
    expect(made.code, made.stderr).toBe(0);
    const resumed = await runSpool(['exec', 'resume', '--last', 'more'], {
      cwd: world.project,
      env: world.env,
    });
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/is a media session; continue it with `spool media resume /);
  });

  it('thread/resume of a media session killed while polling collects the task before the first turn', async () => {
    world = await mediaWorld(
      [respond(call('generate_video', { prompt: 'Spin' }, 'v1')), respond(say('Got the spin clip.'))],
      { videoTasks: [{ statuses: ['queued', 'running'], hold: true }] },
    );
    let child: ChildProcess | undefined;
    const killed = runSpool(['media', 'a clip'], {
      cwd: world.project,
      env: world.env,
      onSpawn: (c) => {
        child = c;
      },
    });
    const media = world.media;
    for (let i = 0; (media.polls.get('cgt-0001') ?? 0) < 2; i++) {
      if (i > 1500) throw new Error('the task was never polled');
      await sleep(20);
    }
    child?.kill('SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    world.media.settle('cgt-0001', 'succeeded');

    server = new AppServer({ env: { ...serverEnv(world.emulator), SPOOL_HOME: world.home } });
    const { client } = streamClient(server);
    await client.initialize();
    const [threadId] = mediaSessions(world.home);
    await client.call('thread/resume', { threadId });
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'go on' }] });
    expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
    expect(world.media.submissions).toHaveLength(1);
    expect(fs.existsSync(path.join(world.project, 'media/spin-1.mp4'))).toBe(true);
    const input = JSON.stringify(modelRequests(world.emulator).at(-1)?.body?.input);
    expect(input).toContain('was submitted as task cgt-0001 and has now finished: saved media/spin-1.mp4');
  });
});
