/**
 * Review mode as a person meets it in a terminal: the built binary in tmux (every byte it writes
 * recorded), against a scripted reviewer. `spool review` prints the model's findings to a terminal
 * without letting them drive it (escape sequences removed, the text kept); `/review` in the
 * interactive session picks a target and shows the findings; `review_model` picks the reviewer.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { hasTmux, spoolCommand, Tmux } from '../support/tmux.js';
import { DIVIDE_BY_ZERO, finding, makeRepo, reviewAnswer } from './helpers.js';

let tmux: Tmux | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  tmux?.kill();
  tmux = undefined;
  await emulator?.close();
  emulator = undefined;
});

function terminalEnv(emu: Emulator, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'tmux-256color',
    OPENAI_BASE_URL: emu.url,
    OPENAI_API_KEY: 'test-key',
    SPOOL_HOME: home,
  };
}

async function exited(t: Tmux): Promise<string> {
  await expect.poll(() => t.exitStatus(), { timeout: 30_000 }).not.toBe('');
  return t.exitStatus();
}

describe('review mode in a terminal (tmux)', { timeout: 120_000 }, () => {
  it("spool review shows the model's findings on a terminal without its escape sequences", async () => {
    expect(hasTmux(), 'tmux is needed for this test (CI installs it in .ci/run)').toBe(true);
    const { repo } = makeRepo();
    const hostile = finding({
      title: 'Title\x1b]0;PWNED-TITLE\x07 with a retitle',
      body: 'Body\x1b[2J\x1b[H that clears the screen, \x9b31mC1 colour\x1b[0m and a \u202Ebidi\u202C override.',
      priority: 2,
      path: 'src/math.ts',
      start: 7,
    });
    emulator = await startEmulator({ script: [respond(reviewAnswer([DIVIDE_BY_ZERO, hostile]))] });
    const home = tempDir('spool-review-term-home-');
    tmux = new Tmux(tempDir('spool-review-tmux-'));
    tmux.start(spoolCommand(['review', '--base', 'main']), terminalEnv(emulator, home), repo);
    expect(await exited(tmux)).toBe('0');
    const screen = tmux.capture();
    expect(screen).toContain('[P1] Guard against b = 0 in ratio');
    expect(screen).toContain('[P2] Title with a retitle');
    expect(screen).toContain('that clears the screen, C1 colour');
    expect(screen).toContain('\\u{202e}bidi\\u{202c} override');
    const raw = fs.readFileSync(tmux.rawLog, 'latin1');
    expect(raw).not.toContain('PWNED-TITLE');
    expect(raw).not.toContain('\x1b[2J');
    expect(raw).not.toContain('\x1b]0;');
    expect(raw).not.toContain('\xc2\x9b');
  });

  it('/review in the interactive session: pick a commit, see the findings, reviewed by review_model', async () => {
    expect(hasTmux()).toBe(true);
    const { repo, featureSha } = makeRepo();
    emulator = await startEmulator({
      script: [respond(reviewAnswer([DIVIDE_BY_ZERO])), respond(say('Noted the division.'))],
    });
    const home = tempDir('spool-review-term-home-');
    fs.writeFileSync(`${home}/config.toml`, 'review_model = "gpt-5"\n');
    tmux = new Tmux(tempDir('spool-review-tmux-'));
    tmux.start(spoolCommand([]), terminalEnv(emulator, home), repo);
    await tmux.see('›', 20_000);
    tmux.text('/review');
    tmux.keys('Enter');
    await tmux.see('What should be reviewed?');
    // Third choice: a commit; then the newest commit (the feature branch's).
    tmux.keys('Down');
    tmux.keys('Down');
    tmux.keys('Enter');
    await tmux.see('Review which commit?');
    await tmux.see(`${featureSha.slice(0, 7)} ratio: drop the zero check`);
    tmux.keys('Enter');
    await tmux.see(`Reviewing commit ${featureSha.slice(0, 7)}: ratio: drop the zero check`);
    await tmux.see(/\[P1\] Guard against b = 0 in ratio/, 30_000);
    await tmux.see('src/math.ts:6-7');
    // The reviewer ran on review_model; the session's own next turn is back on the session's model.
    expect((emulator.requests[0]!.body as { model: string }).model).toBe('gpt-5');
    tmux.text('what did the review find?');
    tmux.keys('Enter');
    await tmux.see('Noted the division.');
    const next = emulator.requests.at(-1)!.body as { model: string };
    expect(next.model).toBe('gpt-5-codex');
    expect(JSON.stringify(next)).toContain('Guard against b = 0 in ratio');
    tmux.text('/quit');
    tmux.keys('Enter');
    expect(await exited(tmux)).toBe('0');
  });

  it('/review is interrupted with Esc: the reviewer stops, its command is killed, the session goes on', async () => {
    expect(hasTmux()).toBe(true);
    const { repo } = makeRepo();
    emulator = await startEmulator({
      script: [respond(shellCall('sleep 4444.5')), respond(say('Back to work.'))],
    });
    const home = tempDir('spool-review-term-home-');
    tmux = new Tmux(tempDir('spool-review-tmux-'));
    tmux.start(spoolCommand([]), terminalEnv(emulator, home), repo);
    await tmux.see('›', 20_000);
    tmux.text('/review');
    tmux.keys('Enter');
    await tmux.see('What should be reviewed?');
    tmux.keys('Down');
    tmux.keys('Down');
    tmux.keys('Enter');
    await tmux.see('Review which commit?');
    tmux.keys('Enter');
    await tmux.see('sleep 4444.5', 30_000);
    const running = () =>
      spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((line) => line.startsWith('sleep 4444.5'));
    await expect.poll(() => running().length, { timeout: 10_000 }).toBeGreaterThan(0);
    tmux.keys('Escape');
    await tmux.see('The review was interrupted', 30_000);
    await expect.poll(() => running().length, { timeout: 10_000 }).toBe(0);
    tmux.text('carry on');
    tmux.keys('Enter');
    await tmux.see('Back to work.');
    expect(emulator.requests).toHaveLength(2);
    tmux.text('/quit');
    tmux.keys('Enter');
    expect(await exited(tmux)).toBe('0');
  });
});
