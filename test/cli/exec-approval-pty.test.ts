/**
 * `spool exec`'s approval prompt as a person meets it: the built binary on a real terminal (a tmux
 * pane), one key per answer. `y` runs the command once, `a` approves that exact command for the
 * session, `n` declines (the model is told), Esc and Ctrl-C stop the turn; a command hiding a
 * payload behind `\r` and an escape sequence is shown with both visible.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { hasTmux, spoolCommand, Tmux } from '../support/tmux.js';

let tmux: Tmux | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  tmux?.kill();
  tmux = undefined;
  await emulator?.close();
  emulator = undefined;
});

const PROMPT = '[esc] no, and stop the turn:';
const HOSTILE = 'PAYLOAD=1 #\r\x1b[K  git status';

function startExec(e: Emulator, workdir: string, prompt: string): Tmux {
  const term = new Tmux(tempDir('spool-exec-tmux-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? workdir,
    LANG: 'C.UTF-8',
    TERM: 'tmux-256color',
    OPENAI_BASE_URL: e.url,
    OPENAI_API_KEY: 'test-key',
    SPOOL_HOME: tempDir('spool-exec-home-'),
  };
  term.start(
    spoolCommand([
      'exec',
      '--skip-git-repo-check',
      '-s',
      'workspace-write',
      '-a',
      'untrusted',
      '-C',
      workdir,
      prompt,
    ]),
    env,
    workdir,
    // Wide enough that the prompt's line of choices (five of them when a rule can be saved) never wraps.
    240,
  );
  return term;
}

/** How many times the prompt has been asked so far. */
function prompts(term: Tmux): number {
  return term.capture().split(PROMPT).length - 1;
}

/** The function_call_output texts the model has received so far. */
function outputsSent(e: Emulator): string[] {
  const last = e.requests.filter((r) => r.wire === 'responses').at(-1);
  return ((last?.body?.input as Array<Record<string, unknown>> | undefined) ?? [])
    .filter((item) => item.type === 'function_call_output')
    .map((item) => String(item.output));
}

describe('spool exec asks on a terminal', () => {
  it('y runs once, a approves the exact command for the session, n declines, Esc stops the turn', async () => {
    expect(hasTmux(), 'tmux is needed for this test (CI installs it in .ci/run)').toBe(true);
    const workdir = tempDir('spool-exec-work-');
    const once = 'echo once >> count.txt';
    emulator = await startEmulator({
      script: [
        respond(shellCall(once)),
        respond(shellCall(once)),
        respond(shellCall(once)),
        respond(shellCall('echo no > denied.txt')),
        respond(shellCall(HOSTILE)),
        respond(say('never reached')),
      ],
    });
    tmux = startExec(emulator, workdir, 'count');
    const count = () =>
      fs.existsSync(path.join(workdir, 'count.txt'))
        ? fs.readFileSync(path.join(workdir, 'count.txt'), 'utf8')
        : '';

    await tmux.see(PROMPT, 30_000);
    expect(count()).toBe('');
    tmux.keys('y');
    await expect.poll(count, { timeout: 15_000 }).toBe('once\n');

    // "Once" means once: the same command asks again.
    await expect.poll(() => prompts(tmux!), { timeout: 15_000 }).toBe(2);
    tmux.keys('a');
    // …and after `a`, the same command runs again without asking.
    await expect.poll(count, { timeout: 15_000 }).toBe('once\nonce\nonce\n');
    await expect.poll(() => prompts(tmux!), { timeout: 15_000 }).toBe(3);
    expect(tmux.capture()).toContain('echo no > denied.txt');

    tmux.keys('n');
    await expect
      .poll(() => outputsSent(emulator!).some((o) => o.includes('rejected by user')), { timeout: 15_000 })
      .toBe(true);
    expect(fs.existsSync(path.join(workdir, 'denied.txt'))).toBe(false);

    // The disguised command is shown as it is, not as the decoy the terminal would draw.
    await expect.poll(() => prompts(tmux!), { timeout: 15_000 }).toBe(4);
    const screen = tmux.capture();
    expect(screen).toContain("PAYLOAD=1 #\\r\\e[K  git status'");
    expect(screen).toContain('control or invisible characters');
    tmux.keys('Escape');
    await expect.poll(() => tmux!.exitStatus(), { timeout: 15_000 }).toBe('130');
    // The turn stopped there: the model was not asked again.
    expect(emulator.requests.filter((r) => r.wire === 'responses')).toHaveLength(5);
    expect(count()).toBe('once\nonce\nonce\n');
  }, 90_000);

  it('Ctrl-C at the prompt stops the turn without running the command', async () => {
    expect(hasTmux()).toBe(true);
    const workdir = tempDir('spool-exec-work-');
    emulator = await startEmulator({
      script: [respond(shellCall('touch ran.txt')), respond(say('never reached'))],
    });
    tmux = startExec(emulator, workdir, 'touch');
    await tmux.see(PROMPT, 30_000);
    tmux.keys('C-c');
    await expect.poll(() => tmux!.exitStatus(), { timeout: 15_000 }).toBe('130');
    expect(fs.existsSync(path.join(workdir, 'ran.txt'))).toBe(false);
    expect(tmux.capture()).toContain('no, and the turn is stopped');
    expect(emulator.requests.filter((r) => r.wire === 'responses')).toHaveLength(1);
  }, 60_000);
});
