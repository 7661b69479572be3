/** Cost in the terminal UI: the status line and /status, priced from config.toml. */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runInteractive } from '../../src/tui/run.js';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { allLines, headlessIo, headlessTerminal, screenText, waitFor } from './support/headless.js';

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
    const io = headlessIo(headlessTerminal(140, 30));
    const stderr = new Writable({ write: (_c, _e, cb) => cb() });
    const done = runInteractive(
      { cwd: tempDir(), prompt: 'hi' },
      { stdin: process.stdin, stdout: process.stdout, stderr, env },
      io,
      new EventEmitter(),
    );
    const text = () => allLines(io.term).join('\n');
    const see = (wanted: RegExp) =>
      waitFor(
        io.term,
        () => wanted.test(text()),
        () => `${wanted} on the screen:\n${screenText(io.term)}`,
      );

    await see(/Priced answer\./);
    const r = emulator.requests[0]!;
    // $2000 / $500 / $8000 per million tokens: cents per request, so the figures are readable.
    const inputUsd = ((r.inputTokens - r.cachedTokens) * 2000) / 1e6;
    await see(/context left · \$\d+\.\d\d/);
    io.type('/status\r');
    await see(
      new RegExp(
        `cost\\s+\\$\\d+\\.\\d\\d · uncached input \\$${inputUsd.toFixed(2)} · cached input \\$0\\.00 · output \\$`,
      ),
    );
    io.type('/quit\r');
    expect(await done).toBe(0);
  });
});
