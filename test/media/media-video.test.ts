/**
 * generate_video through the binary: the task lifecycle (queued → running → succeeded, 429 with
 * Retry-After while polling), the download from the provider's host, the 720p price multiplier, and
 * failed, expired and timed-out tasks reported to the model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld, readManifest, toolOutputs } from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

const video = (prompt: string, id: string, extra: Record<string, unknown> = {}) =>
  respond(call('generate_video', { prompt, ...extra }, id));

describe('spool media: video tasks', () => {
  it('submits once, polls through queued/running and a 429 (honouring Retry-After), downloads and records', async () => {
    world = await mediaWorld(
      [video('Waves at dusk', 'v1', { resolution: '720p', duration: 5 }), respond(say('Done.'))],
      {
        videoTasks: [{ statuses: ['queued', 'rate_limited', 'running', 'succeeded'], retryAfterSeconds: 1 }],
      },
    );
    const run = await runSpool(['media', '--budget', '1', 'a short clip'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(world.media.submissions).toHaveLength(1);
    expect(world.media.submissions[0]?.body).toMatchObject({
      model: 'seedance-2-0',
      content: [{ type: 'text', text: 'Waves at dusk' }],
      duration: 5,
      resolution: '720p',
    });
    // The 429 asked for one second: the next poll waited for it.
    const polls = world.emulator.requests.filter((r) => r.method === 'GET' && r.path.includes('/tasks/'));
    expect(polls).toHaveLength(4);
    expect(polls[2]!.receivedAt - polls[1]!.receivedAt).toBeGreaterThanOrEqual(990);
    expect(world.media.downloads).toEqual(['/media/files/cgt-0001.mp4']);
    const saved = fs.readFileSync(path.join(world.project, 'media/waves-at-dusk-1.mp4'), 'utf8');
    expect(saved).toContain('spool-emulator-video cgt-0001');
    const output = toolOutputs(world.emulator).get('v1') ?? '';
    expect(output).toContain('Saved the video: media/waves-at-dusk-1.mp4 (task cgt-0001)');
    // $0.15 per generation × 2.2 at 720p.
    expect(output).toContain('Cost $0.3300 ($0.15 per generation × 2.2 (720p))');
    expect(readManifest(path.join(world.project, 'media')).assets).toMatchObject([
      {
        file: 'waves-at-dusk-1.mp4',
        kind: 'video',
        task_id: 'cgt-0001',
        cost_usd: 0.33,
        params: { duration: 5 },
      },
    ]);
  });

  it('reports failed and expired tasks to the model without charging them, and gives up on one that never ends', async () => {
    world = await mediaWorld(
      [video('Fails', 'v1'), video('Expires', 'v2'), video('Never ends', 'v3'), respond(say('Reported.'))],
      {
        videoTasks: [
          { statuses: ['queued', 'running', 'failed'], error: 'content policy violation' },
          { statuses: ['queued', 'expired'] },
          { statuses: ['queued', 'running'] },
        ],
      },
      'video_timeout_sec = 1\n',
    );
    const run = await runSpool(['media', '--budget', '1', 'three clips'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(world.media.submissions).toHaveLength(3);
    const outputs = toolOutputs(world.emulator);
    expect(outputs.get('v1')).toContain(
      'The video task cgt-0001 failed: failed: content policy violation. It was not charged',
    );
    expect(outputs.get('v2')).toContain('The video task cgt-0002 expired before it ran: The task expired.');
    expect(outputs.get('v3')).toContain(
      'The video task cgt-0003 is still not done (task cgt-0003 had not finished after 1 s)',
    );
    expect(outputs.get('v3')).toContain('It was not submitted again');
    expect(world.media.downloads).toEqual([]);
    // Only the timed-out task counts (it may still finish and be billed).
    expect(run.stderr).toContain('$0.1500 of the $1.00 budget spent');
    expect(fs.readdirSync(path.join(world.project, 'media'))).toEqual([]);
  });
});
