/** Bad input to `spool media` gets a clear message and exit code 2 before anything is sent. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say, startEmulator } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld, toolOutputs } from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

describe('spool media: usage errors', () => {
  it('refuses a bad budget, a missing brand guide, an output folder that is a file, and no brief', async () => {
    world = await mediaWorld([respond(say('unused'))]);
    fs.writeFileSync(path.join(world.project, 'taken'), 'a file');
    const cases: Array<[string[], RegExp]> = [
      [['--budget', 'lots', 'x'], /spool media: --budget takes an amount in USD, not lots/],
      [['--budget=-1', 'x'], /--budget takes an amount in USD \(0 or more\), not -1/],
      [['--brand', 'nope.md', 'x'], /spool media: cannot read the brand guide .*nope\.md/],
      [['--out', 'taken', 'x'], /spool media: cannot use .*taken as the output folder/],
      [['   '], /no prompt given/],
    ];
    for (const [args, message] of cases) {
      const run = await runSpool(['media', ...args], { cwd: world.project, env: world.env });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(world.emulator.requests).toEqual([]);
    expect(fs.existsSync(path.join(world.home, 'media'))).toBe(false);
  });

  it('sends generations to [media] model_provider; one that cannot be reached charges nothing', async () => {
    world = await mediaWorld([
      respond(call('generate_image', { prompt: 'Unreachable' }, 'g1')),
      respond(say('The platform is down.')),
    ]);
    // A port nothing listens on (the emulator's own, once closed, is not reused while we run).
    const closed = await startEmulator();
    const port = closed.port;
    await closed.close();
    fs.appendFileSync(
      path.join(world.home, 'config.toml'),
      `model_provider = "down"\n[model_providers.down]\nbase_url = "http://127.0.0.1:${port}/v1"\n`,
    );
    const run = await runSpool(['media', '--budget', '1', 'an image'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    const output = toolOutputs(world.emulator).get('g1') ?? '';
    expect(output).toContain(`The image request failed: the request to 127.0.0.1:${port} failed`);
    expect(output).toContain('ECONNREFUSED');
    expect(output).toContain('nothing was charged');
    expect(run.stderr).toContain('$0.00 of the $1.00 budget spent');
  });
});
