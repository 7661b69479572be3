/**
 * End to end: the interactive session as a real process in a real terminal (tmux), against the
 * model emulator. Type a prompt, watch it stream, approve a command and a patch, see the diff,
 * interrupt a stream, quit while a command runs — and check that no full-screen clear was ever
 * written (tmux's pipe-pane records every byte) and that no process is left behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyPatchCall,
  type Emulator,
  respond,
  say,
  shellCall,
  startEmulator,
  think,
} from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { hasTmux, spoolCommand, Tmux } from '../support/tmux.js';
import { fullClearsIn } from './support/headless.js';

let tmux: Tmux | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  tmux?.kill();
  tmux = undefined;
  await emulator?.close();
  emulator = undefined;
});

const LONG_ANSWER = Array.from(
  { length: 80 },
  (_, i) => `Streaming sentence number ${i} of a long answer.`,
).join(' ');
/** A command nobody else runs, to find it in the process table. */
const MARKER_SLEEP = 'sleep 4242.125';

function processesRunning(pattern: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((line) => line.includes(pattern) && !line.includes('ps -eo'));
}

describe('spool in tmux', () => {
  it('runs a whole session: prompt, stream, approve, diff, interrupt, compact, quit, resume', async () => {
    expect(hasTmux(), 'tmux is needed for this test (CI installs it in .ci/run)').toBe(true);
    const workdir = tempDir('spool-e2e-work-');
    const home = tempDir('spool-e2e-home-');
    emulator = await startEmulator({
      script: [
        respond(
          think('Look first.'),
          say('# Plan\n\nCreate **two** files, then report.'),
          shellCall('echo made > made.txt'),
          {
            eventDelayMs: 5,
          },
        ),
        respond(
          applyPatchCall(
            '*** Begin Patch\n*** Add File: hello.txt\n+hello world\n+second line\n*** End Patch',
          ),
        ),
        respond(say('Both files are there.')),
        respond(say(LONG_ANSWER), { eventDelayMs: 25 }),
        respond(shellCall(MARKER_SLEEP)),
        respond(say('Resumed, and I still know about hello.txt.')),
      ],
    });
    tmux = new Tmux(tempDir('spool-e2e-tmux-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? home,
      LANG: 'C.UTF-8',
      TERM: 'tmux-256color',
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: home,
    };
    tmux.start(spoolCommand(['-a', 'untrusted', '-s', 'workspace-write']), env, workdir);
    await tmux.see('ask untrusted', 20_000);

    tmux.text('create the files');
    tmux.keys('Enter');
    await tmux.see('Run this command?');
    await tmux.see(/\$ bash -l?c 'echo made > made.txt'/);
    const streamed = tmux.capture();
    expect(streamed).toContain('› create the files');
    expect(streamed).toContain('Create two files, then report.');
    tmux.keys('y');
    await tmux.see('Apply this patch?');
    // The approval shows the diff of what would change.
    await tmux.see('Added hello.txt');
    await tmux.see('+hello world');
    tmux.keys('y');
    await tmux.see('Both files are there.');
    expect(tmux.capture()).toMatch(/✓ Added hello\.txt \(\+2 -0\)\n\s+1 \+hello world\n\s+2 \+second line/);
    expect(fs.readFileSync(path.join(workdir, 'hello.txt'), 'utf8')).toBe('hello world\nsecond line\n');
    expect(fs.readFileSync(path.join(workdir, 'made.txt'), 'utf8')).toBe('made\n');

    // A narrower window reflows the screen; the live region is redrawn once, without leftovers.
    tmux.run(['resize-window', '-t', 'main', '-x', '60']);
    tmux.text('typed');
    await tmux.see('› typed');
    const visible = tmux.run(['capture-pane', '-p', '-t', 'main']);
    expect(visible.match(/ask untrusted/g)).toHaveLength(1);
    expect(visible.match(/^─+$/gm)).toEqual(['─'.repeat(60)]);
    tmux.run(['resize-window', '-t', 'main', '-x', '100']);
    tmux.keys('C-u');

    // A long stream, interrupted with Ctrl-C.
    const rawBefore = fs.readFileSync(tmux.rawLog, 'utf8').length;
    tmux.text('now say a lot');
    tmux.keys('Enter');
    await tmux.see('Streaming sentence number 2 ');
    tmux.keys('C-c');
    await tmux.see('Interrupted. Tell the agent what to do differently.');
    expect(tmux.capture()).not.toContain('number 79 of');
    const rawStreaming = fs.readFileSync(tmux.rawLog, 'utf8').slice(rawBefore);
    expect(rawStreaming).toContain('Streaming sentence number 2');
    expect(fullClearsIn(rawStreaming)).toEqual([]);

    // Compaction on request (the provider's /responses/compact).
    tmux.text('/compact');
    tmux.keys('Enter');
    await tmux.see('Context compacted');
    expect(emulator.requests.some((r) => r.wire === 'compact')).toBe(true);

    // Quit (Ctrl-C twice) while an approved command runs: nothing is left running.
    tmux.text('wait a while');
    tmux.keys('Enter');
    await tmux.see('Run this command?');
    tmux.keys('a');
    await tmux.see(`Running ${MARKER_SLEEP}`);
    await expect.poll(() => processesRunning(MARKER_SLEEP).length, { timeout: 5000 }).toBeGreaterThan(0);
    tmux.keys('C-c');
    tmux.keys('C-c');
    const exitStatus = () =>
      fs.existsSync(tmux!.statusFile) ? fs.readFileSync(tmux!.statusFile, 'utf8').trim() : '';
    await expect.poll(exitStatus, { timeout: 15_000 }).toBe('0');
    await tmux.see(/Session \S+ saved\. Continue it with: spool resume/);
    await expect.poll(() => processesRunning(MARKER_SLEEP), { timeout: 5000 }).toEqual([]);

    const raw = fs.readFileSync(tmux.rawLog, 'utf8');
    expect(fullClearsIn(raw)).toEqual([]);
    expect(raw).toContain('\x1b[?2026h');
    // The terminal is given back as it was: bracketed paste off, cursor shown.
    expect(raw.lastIndexOf('\x1b[?2004l')).toBeGreaterThan(raw.lastIndexOf('\x1b[?2004h'));

    // A new process resumes the recorded session: its transcript is back and the next turn goes on
    // from the compacted history.
    tmux.kill();
    tmux = new Tmux(tempDir('spool-e2e-tmux-'));
    tmux.start(spoolCommand(['resume', '--last']), env, workdir);
    await tmux.see('Resumed session', 20_000);
    await tmux.see('› create the files');
    tmux.text('do you remember?');
    tmux.keys('Enter');
    await tmux.see('Resumed, and I still know about hello.txt.');
    const resumed = emulator.requests.filter((r) => r.wire === 'responses').at(-1)!;
    expect(JSON.stringify(resumed.body!.input)).toContain('"type":"compaction"');
    tmux.keys('C-c');
    tmux.keys('C-c');
    await expect.poll(exitStatus, { timeout: 15_000 }).toBe('0');
    expect(emulator.problems).toEqual([]);
  }, 60_000);
  it('puts what a library prints while the UI owns the screen into the transcript, not over the screen', async () => {
    expect(hasTmux()).toBe(true);
    const workdir = tempDir('spool-e2e-work-');
    const home = tempDir('spool-e2e-home-');
    emulator = await startEmulator({ script: [respond(say('First.')), respond(say('Second.'))] });
    tmux = new Tmux(tempDir('spool-e2e-tmux-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? home,
      LANG: 'C.UTF-8',
      TERM: 'tmux-256color',
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: home,
      // Node's http client writes debug lines to stderr for each model request while the UI runs.
      NODE_DEBUG: 'http',
    };
    tmux.start(spoolCommand([]), env, workdir);
    await tmux.see('Type a prompt', 20_000);
    tmux.text('one');
    tmux.keys('Enter');
    await tmux.see('First.');
    tmux.text('two');
    tmux.keys('Enter');
    await tmux.see('Second.');
    await tmux.see(/HTTP \d+: /);
    const pane = tmux.capture().split('\n');
    const logged = pane.filter((line) => /HTTP \d+: /.test(line));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    // Each is a transcript line of its own (the info marker), none drawn over the UI.
    for (const line of logged) expect(line).toMatch(/^• HTTP \d+: /);
    const visible = tmux.run(['capture-pane', '-p', '-t', 'main']);
    expect(visible.match(/^─+$/gm)).toHaveLength(1);
    tmux.keys('C-c');
    tmux.keys('C-c');
    await expect.poll(() => tmux!.exitStatus(), { timeout: 15_000 }).toBe('0');
  }, 60_000);
});
