/**
 * Spend caps of `spool media`: each generation's price is checked against what is left of --budget
 * before anything is submitted; over it, the call is refused and the model told; `[media_prices]`
 * replaces the catalog's price; a model without a price cannot be checked and is refused.
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

const gen = (prompt: string, id: string, model?: string) =>
  respond(call('generate_image', { prompt, ...(model ? { model } : {}) }, id));

describe('spool media: budget', () => {
  it('refuses the generation that would go over the budget, tells the model, and reports the total', async () => {
    world = await mediaWorld([
      gen('One', 'c1'),
      gen('Two', 'c2'),
      gen('Three', 'c3'),
      respond(say('Stopped at the budget.')),
    ]);
    const run = await runSpool(['media', '--budget', '0.07', 'three posters'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    // Two were made ($0.06); the third ($0.03) would exceed the $0.01 left and was never sent.
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['One', 'Two']);
    const refusal = toolOutputs(world.emulator).get('c3') ?? '';
    expect(refusal).toContain('Refused: over budget');
    expect(refusal).toContain('would cost $0.0300');
    expect(refusal).toContain('only $0.0100 of the $0.0700 budget remains ($0.0600 spent)');
    expect(refusal).toContain('Nothing was submitted');
    expect(readManifest(path.join(world.project, 'media')).assets).toHaveLength(2);
    expect(run.stderr).toContain('$0.0600 of the $0.0700 budget spent, $0.0100 left');
  });

  it('takes prices from [media_prices] over the catalog and refuses an unpriced model under a budget', async () => {
    world = await mediaWorld(
      [gen('One', 'c1'), gen('Two', 'c2'), gen('Free?', 'c3', 'mystery-image'), respond(say('Done.'))],
      { imageModels: { 'gpt-image-2': 'images', 'mystery-image': 'images' } },
      '[media_prices."gpt-image-2"]\nper_image = 0.05\n',
    );
    const run = await runSpool(['media', '--budget', '0.08', 'posters'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['One']);
    const outputs = toolOutputs(world.emulator);
    expect(outputs.get('c1')).toContain('Cost $0.0500 (1 × $0.05 per image)');
    expect(outputs.get('c2')).toContain('would cost $0.0500');
    expect(outputs.get('c3')).toContain('mystery-image has no known price');
    expect(fs.readdirSync(path.join(world.project, 'media')).sort()).toEqual(['manifest.json', 'one-1.png']);
  });

  it('a resumed session keeps counting what earlier runs spent, and a raised --budget applies', async () => {
    world = await mediaWorld([gen('One', 'c1'), gen('Two', 'c2'), respond(say('Out of budget.'))]);
    const first = await runSpool(['media', '--budget', '0.05', 'posters'], {
      cwd: world.project,
      env: world.env,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(world.media.generations).toHaveLength(1);
    world.emulator.addSteps(gen('Three', 'c3'), gen('Four', 'c4'), respond(say('Done.')));
    // The recorded budget ($0.05, $0.03 spent) still holds: Three is refused.
    const second = await runSpool(['media', 'resume', '--last', 'more'], {
      cwd: world.project,
      env: world.env,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(world.media.generations).toHaveLength(1);
    expect(toolOutputs(world.emulator).get('c3')).toContain('only $0.0200 of the $0.0500 budget remains');
    world.emulator.addSteps(gen('Five', 'c5'), respond(say('Done.')));
    const third = await runSpool(['media', 'resume', '--last', '--budget', '0.1', 'more'], {
      cwd: world.project,
      env: world.env,
    });
    expect(third.code, third.stderr).toBe(0);
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['One', 'Five']);
    expect(third.stderr).toContain('$0.0600 of the $0.1000 budget spent');
  });

  it('asks before each generation under -a untrusted; declined (no one to ask), nothing is submitted', async () => {
    world = await mediaWorld([gen('One', 'c1'), respond(say('Declined.'))]);
    const run = await runSpool(['media', '-a', 'untrusted', 'a poster'], {
      cwd: world.project,
      env: world.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'declined (non-interactive): generate_image: One ($0.0300, 1 × $0.03 per image)',
    );
    expect(toolOutputs(world.emulator).get('c1')).toContain('This generate_image call was not approved (');
    expect(toolOutputs(world.emulator).get('c1')).toContain('nothing was submitted.');
    expect(world.media.generations).toEqual([]);
  });
});
