/** Cost in the terminal UI: the status line and /status, priced from config.toml. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { startInteractive } from './support/interactive.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('cost in the TUI', () => {
  it('shows the session cost on the status line and apart by kind in /status', async () => {
    const home = tempDir('spool-tui-home-');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      'model = "gpt-test"\n[model_prices.gpt-test]\ninput = 2000\ncached_input = 500\noutput = 8000\n',
    );
    emulator = await startEmulator({ script: [respond(say('Priced answer.'))] });
    const env = { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home };
    const { see, type, done } = startInteractive({ cwd: tempDir(), prompt: 'hi' }, env, 140, 30);

    await see(/Priced answer\./);
    const r = emulator.requests[0]!;
    // $2000 / $500 / $8000 per million tokens: cents per request, so the figures are readable.
    const inputUsd = ((r.inputTokens - r.cachedTokens) * 2000) / 1e6;
    await see(/context left · \$\d+\.\d\d/);
    type('/status\r');
    await see(
      new RegExp(
        `cost\\s+\\$\\d+\\.\\d\\d · uncached input \\$${inputUsd.toFixed(2)} · cached input \\$0\\.00 · output \\$`,
      ),
    );
    type('/quit\r');
    expect(await done).toBe(0);
  });
});
