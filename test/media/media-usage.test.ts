/** Bad input to `spool media` gets a clear message and exit code 2 before anything is sent. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { respond, say } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld } from './helpers.js';

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
});
