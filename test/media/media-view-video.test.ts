/**
 * view_media on a video: with ffmpeg, four frames spread over the clip go into the next request as
 * images; without ffmpeg on PATH (or for a file ffmpeg cannot read) the model is told why.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say } from '../emulator/index.js';
import { pngSize } from '../emulator/media-png.js';
import { visionInputs } from '../emulator/media-server.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld, modelRequests, toolOutputs } from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

describe('view_media on a video', () => {
  it('shows four frames through ffmpeg, and says why when it cannot', async () => {
    world = await mediaWorld([
      respond(call('view_media', { path: 'media/clip.mp4' }, 'frames')),
      respond(call('view_media', { path: 'media/broken.mp4' }, 'broken')),
      respond(say('Seen.')),
      respond(call('view_media', { path: 'media/clip.mp4' }, 'no_ffmpeg')),
      respond(say('Could not see it.')),
    ]);
    const dir = path.join(world.project, 'media');
    fs.mkdirSync(dir);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=0x008080:s=64x36:d=2',
      '-pix_fmt',
      'yuv420p',
      path.join(dir, 'clip.mp4'),
    ]);
    fs.writeFileSync(path.join(dir, 'broken.mp4'), 'not a video');

    const run = await runSpool(['media', 'look at the clip'], { cwd: world.project, env: world.env });
    expect(run.code, run.stderr).toBe(0);
    const frames = visionInputs(modelRequests(world.emulator).map((r) => r.body))[1] ?? [];
    expect(frames).toHaveLength(4);
    for (const frame of frames) {
      expect(frame.startsWith('data:image/png;base64,')).toBe(true);
      expect(pngSize(Buffer.from(frame.split(',')[1] ?? '', 'base64'))).toEqual({ width: 512, height: 288 });
    }
    expect(toolOutputs(world.emulator).get('broken')).toContain('ffmpeg could not read media/broken.mp4');

    // Without ffmpeg on PATH the model is told it cannot look at the video.
    const bare = await runSpool(['media', 'look again'], {
      cwd: world.project,
      env: { ...world.env, PATH: path.join(world.project, 'no-tools') },
    });
    expect(bare.code, bare.stderr).toBe(0);
    expect(toolOutputs(world.emulator).get('no_ffmpeg')).toContain(
      'Cannot show frames of media/clip.mp4: ffmpeg is not installed',
    );
  });
});
