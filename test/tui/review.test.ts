/**
 * `/review` in the interactive session: pick a target, watch the read-only reviewer work, read the
 * findings, and go on talking about them. In process on a headless terminal, with the real
 * app-server, sandbox and store, against the model emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { DIVIDE_BY_ZERO, makeRepo, reviewAnswer } from '../review/helpers.js';
import { tempDir } from '../support/thread.js';
import { startInteractive } from './support/interactive.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('/review in the TUI', { timeout: 120_000 }, () => {
  it('picks a base branch, shows the reviewer at work and the findings, which the next turn sees', async () => {
    const { repo } = makeRepo();
    emulator = await startEmulator({
      script: [
        respond(shellCall('grep -n ratio src/use.ts')),
        respond(reviewAnswer([DIVIDE_BY_ZERO])),
        respond(say('Guard restored.')),
      ],
    });
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'k',
      SPOOL_HOME: tempDir('spool-tui-home-'),
    };
    const ui = startInteractive({ cwd: repo }, env);
    await ui.see('›');
    ui.type('/review\r');
    await ui.see('What should be reviewed?');
    ui.type('\x1b[B\r');
    await ui.see('Review against which base branch?');
    ui.type('main\r');
    await ui.see("Reviewing changes against 'main'");
    await ui.see('grep -n ratio src/use.ts');
    await ui.see(/\[P1\] Guard against b = 0 in ratio/);
    await ui.see('src/math.ts:6-7');
    ui.type('restore the guard\r');
    await ui.see('Guard restored.');
    const last = JSON.stringify(emulator.requests.at(-1)!.body);
    expect(last).toContain('Guard against b = 0 in ratio');
    expect(last).toContain('restore the guard');
    ui.type('/quit\r');
    expect(await ui.done).toBe(0);
  });
});
