/**
 * `spool media` end to end through the built binary and the emulator: a brief met in two attempts
 * (generate → view → critique → revise → accept), the brand guide in the cached prefix, the vision
 * input, the manifest and the spend; and the same run as `--json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say } from '../emulator/index.js';
import { pngSize } from '../emulator/media-png.js';
import { visionInputs } from '../emulator/media-server.js';
import { shapeProblems } from '../support/exec-json-shapes.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import {
  type MediaWorld,
  mediaSessions,
  mediaWorld,
  modelRequests,
  readManifest,
  toolOutputs,
} from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

const BRAND = '# Brand\nTeal (#008080) backgrounds only. Never use red.\n';

function twoAttempts() {
  return [
    respond(call('generate_image', { prompt: 'Poster v1', aspect_ratio: '16:9' }, 'call_gen1')),
    respond(call('view_media', { path: 'media/poster-v1-1.png' }, 'call_view1')),
    respond(
      call(
        'critique_media',
        { path: 'media/poster-v1-1.png', verdict: 'rejected', notes: 'Red, off brand.' },
        'call_crit1',
      ),
    ),
    respond(
      call(
        'generate_image',
        { prompt: 'Poster v2 teal', aspect_ratio: '16:9', reference_images: ['media/poster-v1-1.png'] },
        'call_gen2',
      ),
    ),
    respond(call('view_media', { path: 'media/poster-v2-teal-1.png' }, 'call_view2')),
    respond(
      call(
        'critique_media',
        { path: 'media/poster-v2-teal-1.png', verdict: 'accepted', notes: 'Teal, on brief.' },
        'call_crit2',
      ),
    ),
    respond(say('Accepted: media/poster-v2-teal-1.png')),
  ];
}

describe('spool media: a brief in two attempts', () => {
  it('generates, views, critiques, revises and accepts; brand in the prefix; manifest and spend', async () => {
    world = await mediaWorld(twoAttempts());
    fs.writeFileSync(path.join(world.project, 'BRAND.md'), BRAND);
    const run = await runSpool(['media', '--budget', '1', 'A launch poster for Spool'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Accepted: media/poster-v2-teal-1.png');
    expect(world.emulator.problems).toEqual([]);

    // Two generations; the second worked from the first as a reference.
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['Poster v1', 'Poster v2 teal']);
    const first = fs.readFileSync(path.join(world.project, 'media/poster-v1-1.png'));
    expect(world.media.generations[1]?.references).toEqual([
      `data:image/png;base64,${first.toString('base64')}`,
    ]);
    expect(pngSize(first)).toEqual({ width: 32, height: 18 });

    // The loop's requests: media tools only, the brand guide in the (unchanging) instructions.
    const requests = modelRequests(world.emulator);
    expect(requests).toHaveLength(7);
    const tools = ((requests[0]?.body?.tools ?? []) as Array<{ name: string }>).map((t) => t.name).sort();
    expect(tools).toEqual(['critique_media', 'generate_image', 'generate_video', 'view_media']);
    const instructions = requests.map((r) => r.body?.instructions);
    expect(instructions[0]).toContain('Teal (#008080) backgrounds only');
    expect(new Set(instructions).size).toBe(1);
    // view_media put the saved image into the next request (a vision input).
    const seen = visionInputs(requests.map((r) => r.body));
    expect(seen[1]).toEqual([]);
    expect(seen[2]).toEqual([`data:image/png;base64,${first.toString('base64')}`]);
    expect(toolOutputs(world.emulator).get('call_gen1')).toContain('Cost $0.0300 (1 × $0.03 per image)');

    // The manifest: one entry per asset with its prompt, model, parameters, cost, verdict, session.
    const [session] = mediaSessions(world.home);
    const manifest = readManifest(path.join(world.project, 'media'));
    expect(manifest.assets).toMatchObject([
      {
        file: 'poster-v1-1.png',
        kind: 'image',
        prompt: 'Poster v1',
        model: 'gpt-image-2',
        params: { aspect_ratio: '16:9', n: 1 },
        cost_usd: 0.03,
        critique: { verdict: 'rejected', notes: 'Red, off brand.' },
        session_id: session,
      },
      {
        file: 'poster-v2-teal-1.png',
        prompt: 'Poster v2 teal',
        cost_usd: 0.03,
        critique: { verdict: 'accepted' },
        session_id: session,
      },
    ]);
    expect(typeof manifest.assets[0]?.duration_ms).toBe('number');
    expect(run.stderr).toContain('media: 2 assets');
    expect(run.stderr).toContain('(1 accepted); $0.0600 of the $1.00 budget spent, $0.9400 left');
  });

  it('runs as --json with the exec event stream, generations shown as media tool calls', async () => {
    world = await mediaWorld(twoAttempts());
    const run = await runSpool(['media', '--json', 'A launch poster for Spool'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(shapeProblems(lines)).toEqual([]);
    expect(lines[0]).toMatchObject({ type: 'thread.started', thread_id: mediaSessions(world.home)[0] });
    const calls = lines.filter(
      (l) => l.type === 'item.completed' && (l.item as { type: string }).type === 'mcp_tool_call',
    );
    expect(calls.map((l) => (l.item as { tool: string; server: string; status: string }).tool)).toEqual([
      'generate_image',
      'generate_image',
    ]);
    expect(calls[0]?.item).toMatchObject({ server: 'media', status: 'completed' });
    expect(lines.at(-1)).toMatchObject({ type: 'turn.completed' });
    expect(run.stderr).toContain('media: 2 assets');
  });

  it('runs on a chat-completions platform: the viewed image follows the tool results as a user message', async () => {
    world = await mediaWorld([
      respond(call('generate_image', { prompt: 'Badge' }, 'g1')),
      respond(call('view_media', { path: 'media/badge-1.png' }, 'v1')),
      respond(say('Looks right.')),
    ]);
    fs.writeFileSync(
      path.join(world.home, 'config.toml'),
      `model_provider = "platform"\n[model_providers.platform]\nbase_url = "${world.emulator.url}"\nenv_key = "PLATFORM_KEY"\nwire_api = "chat"\n[media]\npoll_interval_ms = 20\n`,
    );
    const run = await runSpool(['media', '-m', 'vision-test', 'a badge'], {
      cwd: world.project,
      env: { ...world.env, PLATFORM_KEY: 'platform-key' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(world.emulator.problems).toEqual([]);
    const requests = modelRequests(world.emulator);
    expect(requests.map((r) => r.wire)).toEqual(['chat', 'chat', 'chat']);
    // The platform's key went with the generation too.
    const generation = world.emulator.requests.find((r) => r.wire === 'media');
    expect(generation?.headers.authorization).toBe('Bearer platform-key');
    const png = fs.readFileSync(path.join(world.project, 'media/badge-1.png'));
    const messages = requests[2]?.body?.messages as Array<{ role: string; content: unknown }>;
    const last = messages.at(-1);
    expect(messages.at(-2)?.role).toBe('tool');
    expect(last).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'The images returned by the tool calls above:' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      ],
    });
  });

  it('keeps the brand guide the session began with when BRAND.md changes before a resume', async () => {
    world = await mediaWorld([respond(say('First.')), respond(say('Second.'))]);
    const guide = path.join(world.project, 'BRAND.md');
    fs.writeFileSync(guide, 'Version A: teal.\n');
    const first = await runSpool(['media', 'a poster'], { cwd: world.project, env: world.env });
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(guide, 'Version B: orange.\n');
    const second = await runSpool(['media', 'resume', '--last', 'again'], {
      cwd: world.project,
      env: world.env,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('the session keeps the brand guide it began with');
    const instructions = modelRequests(world.emulator).map((r) => String(r.body?.instructions));
    expect(instructions).toHaveLength(2);
    expect(instructions[1]).toBe(instructions[0]);
    expect(instructions[1]).toContain('Version A: teal.');
    expect(instructions[1]).not.toContain('Version B');
    // The second request extends the first: the prefix cache holds.
    expect(modelRequests(world.emulator)[1]?.cachedTokens).toBeGreaterThan(0);
  });
});
