/**
 * A fork of a media session stays a media session, as a resume does: the media tools, the same
 * instructions (the brand text it began with), the same output folder, and the same budget with
 * what the original spent counted. `spool media fork` continues the copy; `spool exec fork` makes
 * the copy but refuses to run the coding agent in it, naming `spool media resume`; the app-server's
 * `thread/fork` gives a media thread.
 */
import fs from 'node:fs';
import path from 'node:path';
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

/** The recorded sessions' rollout files in `home` (media journals aside). */
function recordedSessions(home: string): string[] {
  return (fs.readdirSync(home, { recursive: true }) as string[]).filter(
    (file) => path.basename(file).startsWith('rollout-') && file.endsWith('.jsonl'),
  );
}

const gen = (prompt: string, id: string) => respond(call('generate_image', { prompt }, id));
const MEDIA_TOOLS = ['critique_media', 'generate_image', 'generate_video', 'view_media'];
const toolNames = (body: Record<string, unknown> | undefined) =>
  ((body?.tools ?? []) as Array<{ name: string }>).map((t) => t.name).sort();

describe('forking a media session', () => {
  it('spool media fork continues a media copy; spool exec fork refuses to run it as code', async () => {
    world = await mediaWorld([gen('One', 'c1'), respond(say('Made one.'))]);
    fs.writeFileSync(path.join(world.project, 'BRAND.md'), 'Only circles.\n');
    const first = await runSpool(['media', '--budget', '0.07', '--out', 'renders', 'posters'], {
      cwd: world.project,
      env: world.env,
    });
    expect(first.code, first.stderr).toBe(0);
    const [original] = mediaSessions(world.home);
    const requestsBefore = modelRequests(world.emulator).length;

    const viaExec = await runSpool(['exec', 'fork', original as string, 'more'], {
      cwd: world.project,
      env: world.env,
    });
    expect(viaExec.code).toBe(2);
    expect(viaExec.stderr).toContain(
      `spool exec fork: ${original} is a media session; fork it with \`spool media fork ${original}\` (or continue it with \`spool media resume ${original}\`)`,
    );
    // Refused before anything was copied, and the coding agent never ran.
    expect(recordedSessions(world.home)).toHaveLength(1);
    expect(modelRequests(world.emulator)).toHaveLength(requestsBefore);

    // The guide changed since: the fork keeps the text the session began with, like a resume.
    fs.writeFileSync(path.join(world.project, 'BRAND.md'), 'Only squares.\n');
    world.emulator.addSteps(gen('Two', 'c2'), gen('Three', 'c3'), respond(say('Stopped at the budget.')));
    const forked = await runSpool(['media', 'fork', original as string, 'more posters'], {
      cwd: world.project,
      env: world.env,
    });
    expect(forked.code, forked.stderr).toBe(0);
    const renders = path.join(world.project, 'renders');
    const forkId = mediaSessions(world.home).find((id) => id !== original);
    expect(mediaSessions(world.home)).toHaveLength(2);
    // Same budget, with the original's $0.03 counted: Two is made, Three refused.
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['One', 'Two']);
    expect(toolOutputs(world.emulator).get('c3')).toContain('only $0.0100 of the $0.0700 budget remains');
    expect(forked.stderr).toContain('$0.0600 of the $0.0700 budget spent');
    // Same output folder; the original's entry is untouched.
    expect(readManifest(renders).assets).toMatchObject([
      { file: 'one-1.png', session_id: original },
      { file: 'two-1.png', session_id: forkId },
    ]);
    // Media tools and the very same instructions in every request of both sessions.
    const requests = modelRequests(world.emulator);
    for (const request of requests) expect(toolNames(request.body)).toEqual(MEDIA_TOOLS);
    expect(new Set(requests.map((r) => r.body?.instructions)).size).toBe(1);
    expect(String(requests[0]?.body?.instructions)).toContain('Only circles.');

    // `spool fork --json` (for scripts) copies a media session as a media session too.
    const copied = await runSpool(['fork', '--json', original as string], {
      cwd: world.project,
      env: world.env,
    });
    expect(copied.code, copied.stderr).toBe(0);
    expect(mediaSessions(world.home)).toContain((JSON.parse(copied.stdout) as { id: string }).id);

    // A coding session is not forked as a media one.
    world.emulator.addSteps(respond(say('Hello.')));
    const coding = await runSpool(['exec', '--skip-git-repo-check', 'hi'], {
      cwd: world.project,
      env: world.env,
    });
    expect(coding.code, coding.stderr).toBe(0);
    const sessionsBefore = recordedSessions(world.home).length;
    const wrong = await runSpool(['media', 'fork', '--last'], { cwd: world.project, env: world.env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /spool media fork: \S+ is not a media session; fork it with `spool exec fork`/,
    );
    expect(recordedSessions(world.home)).toHaveLength(sessionsBefore);
  });

  it('thread/fork of a media thread gives a media thread with the budget carried over', async () => {
    world = await mediaWorld([
      gen('Logo', 'g1'),
      respond(say('Made the logo.')),
      gen('Logo two', 'g2'),
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

    await expect(client.call('thread/fork', { threadId, ephemeral: true })).rejects.toThrow(
      /is a media session; fork it without ephemeral/,
    );
    const forked = await client.call('thread/fork', { threadId });
    const forkId = forked.thread.id as string;
    expect(forkId).not.toBe(threadId);
    const next = await client.call('turn/start', {
      threadId: forkId,
      input: [{ type: 'text', text: 'another' }],
    });
    expect((await client.turnCompleted(next.turn.id)).params.turn.status).toBe('completed');
    expect(toolOutputs(world.emulator).get('g2')).toContain('only $0.0100 of the $0.0400 budget remains');
    expect(world.media.generations).toHaveLength(1);
    const requests = modelRequests(world.emulator);
    for (const request of requests) expect(toolNames(request.body)).toEqual(MEDIA_TOOLS);
    expect(new Set(requests.map((r) => r.body?.instructions)).size).toBe(1);
    expect(fs.readdirSync(path.join(world.project, 'assets')).sort()).toEqual([
      'logo-1.png',
      'manifest.json',
    ]);
  });
});
