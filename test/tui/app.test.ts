/**
 * The interactive session in process: `runInteractive` on a headless terminal, against the model
 * emulator, with the real app-server, sandbox and session store. A whole session — prompt, stream,
 * approve, diff, interrupt, quit — then resume, status, compact, diff and init.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runInteractive } from '../../src/tui/run.js';
import { serverEnv } from '../app-server/support/harness.js';
import {
  applyPatchCall,
  type Emulator,
  respond,
  say,
  serverError500,
  shellCall,
  startEmulator,
  think,
  unauthorized401,
} from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import {
  allLines,
  fullClearsIn,
  headlessIo,
  headlessTerminal,
  screenText,
  waitFor,
} from './support/headless.js';
import { startInteractive } from './support/interactive.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const LONG_ANSWER = Array.from(
  { length: 60 },
  (_, i) => `Streaming sentence number ${i} of a long answer.`,
).join(' ');

describe('the interactive session', () => {
  it('streams, asks for approval, shows the diff, interrupts and quits, without ever clearing the screen', async () => {
    const workdir = tempDir('spool-tui-work-');
    const home = tempDir('spool-tui-home-');
    emulator = await startEmulator({
      script: [
        respond(
          think('Look before leaping.'),
          say('Here is **the plan**:\n\n1. make a file\n2. patch another\n\n```sh\necho made\n```'),
          shellCall('echo made > made.txt'),
          { eventDelayMs: 2 },
        ),
        respond(
          applyPatchCall(
            '*** Begin Patch\n*** Add File: hello.txt\n+hello world\n+second line\n*** End Patch',
          ),
        ),
        respond(say('Both done.')),
        respond(say(LONG_ANSWER), { eventDelayMs: 15 }),
      ],
    });
    const ui = startInteractive(
      { approvalPolicy: 'untrusted', sandbox: 'workspace-write', cwd: workdir },
      serverEnv(emulator, { SPOOL_HOME: home }),
    );
    await ui.see('ask untrusted');
    ui.type('make the files');
    ui.type('\r');
    await ui.see('Run this command?');
    expect(screenText(ui.io.term)).toMatch(/\$ bash -l?c 'echo made > made.txt'/);
    expect(screenText(ui.io.term)).toContain(`in ${workdir}`);
    // Streamed before the approval: the reasoning, the Markdown, the highlighted code block.
    const before = allLines(ui.io.term).join('\n');
    expect(before).toContain('› make the files');
    expect(before).toContain('Look before leaping.');
    expect(before).toContain('Here is the plan:');
    expect(before).toContain('1. make a file');
    expect(before).toContain('  echo made');
    ui.type('y');
    await ui.see('Apply this patch?');
    expect(fs.readFileSync(path.join(workdir, 'made.txt'), 'utf8')).toBe('made\n');
    ui.type('y');
    await ui.see('Both done.');
    const session = allLines(ui.io.term).join('\n');
    expect(session).toContain('✓ Ran echo made > made.txt');
    expect(session).toMatch(/✓ Added hello\.txt \(\+2 -0\)\n\s+1 \+hello world\n\s+2 \+second line/);
    expect(fs.readFileSync(path.join(workdir, 'hello.txt'), 'utf8')).toBe('hello world\nsecond line\n');
    await ui.see(/\d+(\.\d)?k? tokens · \d+% cached · \d+% context left/);

    // Streaming a long answer: only the live region is redrawn, never the whole screen.
    const from = ui.io.output.length;
    ui.type('now say a lot\r');
    await ui.see('Streaming sentence number 3 ');
    await ui.see('esc to interrupt');
    ui.type('\x1b');
    await ui.see('Interrupted. Tell the agent what to do differently.');
    const streamed = ui.io.output.slice(from).join('');
    expect(fullClearsIn(streamed)).toEqual([]);
    expect(fullClearsIn(ui.io.output.join(''))).toEqual([]);
    // The stream was cut short: the end of the answer never arrived.
    expect(allLines(ui.io.term).join('\n')).not.toContain('number 59 of');
    // Every frame is synchronized.
    expect(ui.io.output.filter((chunk) => chunk.includes('\x1b[?2026h')).length).toBeGreaterThan(10);

    ui.type('\x03');
    await ui.see('Press Ctrl-C again to quit.');
    ui.type('\x03');
    expect(await ui.done).toBe(0);
    await ui.see(/Session \S+ saved\. Continue it with: spool resume/);
    expect(ui.io.entered).toBe(false);
    expect(emulator.problems).toEqual([]);
  });

  it('resumes a session with its transcript, and runs /status, /diff, /init, /compact and /model', async () => {
    const workdir = tempDir('spool-tui-work-');
    const home = tempDir('spool-tui-home-');
    execFileSync('git', ['init', '-q', workdir]);
    fs.writeFileSync(path.join(workdir, 'tracked.txt'), 'one\n');
    execFileSync('git', ['-C', workdir, 'add', '.']);
    execFileSync('git', [
      '-C',
      workdir,
      '-c',
      'user.email=t@t',
      '-c',
      'user.name=t',
      'commit',
      '-qm',
      'init',
    ]);
    emulator = await startEmulator({
      script: [serverError500(), respond(say('First answer.')), respond(say('After the resume.'))],
    });
    const env = serverEnv(emulator, { SPOOL_HOME: home });

    const first = startInteractive({ cwd: workdir, prompt: 'first prompt' }, env);
    await first.see('First answer.');
    // The retry is a system line, not an error.
    await first.see(/⚠ Reconnecting\.\.\. 1\/\d/);
    // Ctrl-C with text in the composer clears it; it does not quit.
    first.type('draft');
    await first.see('› draft');
    first.type('\x03');
    await first.see('Press Ctrl-C again to quit.');
    expect(allLines(first.io.term).join('\n')).not.toContain('› draft');
    first.type('/quit\r');
    expect(await first.done).toBe(0);

    fs.writeFileSync(path.join(workdir, 'tracked.txt'), 'two\n');
    const ui = startInteractive({ cwd: workdir, resume: { last: true } }, env);
    await ui.see('Resumed session');
    await ui.see('› first prompt');
    await ui.see('First answer.');
    ui.type('/status\r');
    await ui.see(/directory\s+\S*spool-tui-work-/);
    ui.type('/diff\r');
    await ui.see(/tracked\.txt\n\s+1 -one\n\s+1 \+two/);
    ui.type('/init\r');
    await ui.see('Wrote a starter');
    expect(fs.readFileSync(path.join(workdir, 'AGENTS.md'), 'utf8')).toContain('# AGENTS.md');
    ui.type('/init\r');
    await ui.see('it already exists');
    ui.type('/compact\r');
    await ui.see('Context compacted');
    ui.type('/model\r');
    await ui.see('Choose a model');
    ui.type('\r');
    await ui.see('Model for the next turns:');
    ui.type('and now?\r');
    await ui.see('After the resume.');
    ui.type('\x04');
    expect(await ui.done).toBe(0);
    // The resumed turn went to the same session's model requests with the earlier history.
    const last = emulator.requests.filter((r) => r.wire === 'responses').at(-1)!;
    expect(JSON.stringify(last.body?.input)).toContain('first prompt');

    // A fork through turn 1 has the first turn only.
    const forked = startInteractive({ cwd: workdir, fork: { last: true, at: 1 } }, env);
    await forked.see('Forked session');
    await forked.see('› first prompt');
    expect(allLines(forked.io.term).join('\n')).not.toContain('and now?');
    forked.type('/quit\r');
    expect(await forked.done).toBe(0);
  });

  it('switches sessions with /new, /resume and /fork, changes approvals, mentions files, and resizes', async () => {
    const workdir = tempDir('spool-tui-work-');
    const home = tempDir('spool-tui-home-');
    fs.mkdirSync(path.join(workdir, 'src'));
    fs.writeFileSync(path.join(workdir, 'src', 'parser.ts'), '');
    fs.writeFileSync(path.join(workdir, 'notes.md'), '');
    emulator = await startEmulator({
      script: [respond(say('Answer one.')), respond(say('Answer two.')), respond(say('Answer three.'))],
    });
    const ui = startInteractive(
      { cwd: workdir, prompt: 'the first session' },
      serverEnv(emulator, { SPOOL_HOME: home }),
      90,
      24,
    );
    await ui.see('Answer one.');
    const firstId = /session (\S+) ·/.exec(allLines(ui.io.term).join('\n'))![1]!;

    // A mention: the popup lists fuzzy matches; Tab puts the path in.
    ui.type('look at @prs');
    await ui.see('› src/parser.ts');
    ui.type('\t');
    await ui.see('› look at @src/parser.ts');
    ui.type('\x15');

    ui.type('/new\r');
    await ui.see('New session');
    ui.type('second session\r');
    await ui.see('Answer two.');

    ui.type('/resume\r');
    await ui.see('Resume a session');
    await ui.see('the first session');
    ui.type('\r');
    await ui.see(`Resumed session ${firstId}`);

    ui.type('/fork\r');
    await ui.see(`Forked session ${firstId}`);
    const forkedId = /session (\S+) · /.exec(screenText(ui.io.term).split('Forked session')[1] ?? '')?.[1];
    expect(forkedId).toBeDefined();
    expect(forkedId).not.toBe(firstId);

    ui.type('/approvals\r');
    await ui.see('Approval mode');
    ui.type('full');
    ui.type('\r');
    await ui.see('danger-full-access · ask never');

    // A narrower terminal: the live region is redrawn once, at the new width.
    await ui.io.resize(50, 24);
    ui.type('x');
    await waitFor(
      ui.io.term,
      () => screenText(ui.io.term).includes('› x'),
      () => screenText(ui.io.term),
    );
    const screen = screenText(ui.io.term);
    expect(screen.match(/danger-full-access · ask/g)).toHaveLength(1);
    expect(screen.match(/^─+$/gm)).toHaveLength(1);
    expect(screen.match(/› x/g)).toHaveLength(1);
    ui.type('\x15third\r');
    await ui.see('Answer three.');
    ui.type('/quit\r');
    expect(await ui.done).toBe(0);
    // The last turn ran with the chosen approvals and sandbox, on the fork.
    expect(emulator.requests.filter((r) => r.wire === 'responses').at(-1)?.body?.prompt_cache_key).toBe(
      forkedId,
    );
  });

  it('shows a disguised command exactly, and nothing from a command or the model drives the terminal', async () => {
    const workdir = tempDir('spool-tui-work-');
    const home = tempDir('spool-tui-home-');
    emulator = await startEmulator({
      script: [
        respond(shellCall('PAYLOAD=1 #\r\x1b[K  git status')),
        respond(shellCall("printf 'out\\033]0;owned\\007\\033[2J\\033[3;1Hmore\\n'")),
        respond(say('Done \x1b]0;owned-too\x07\x1b[2Jhere, \u202eevil\u202c end.')),
      ],
    });
    const ui = startInteractive(
      { approvalPolicy: 'untrusted', sandbox: 'workspace-write', cwd: workdir },
      serverEnv(emulator, { SPOOL_HOME: home }),
    );
    const titles: string[] = [];
    ui.io.term.onTitleChange((title) => titles.push(title));
    await ui.see('ask untrusted');
    ui.type('go\r');
    await ui.see('Run this command?');
    // The modal shows what would run, not the decoy a terminal would draw.
    expect(screenText(ui.io.term)).toContain("PAYLOAD=1 #\\r\\e[K  git status'");
    ui.type('n');
    await ui.see(/Declined PAYLOAD=1 #\\r\\e\[K {2}git status/);
    // (printf is known to be safe: it runs without asking.)
    await ui.see('Done here, \\u{202e}evil\\u{202c} end.');
    const all = allLines(ui.io.term).join('\n');
    expect(all).toContain('› go');
    expect(all).toMatch(/└ outmore/);
    expect(titles).toEqual([]);
    expect(fullClearsIn(ui.io.output.join(''))).toEqual([]);
    ui.type('/quit\r');
    expect(await ui.done).toBe(0);
  });

  it('renders a resumed session as it rendered live', async () => {
    const workdir = tempDir('spool-tui-work-');
    const home = tempDir('spool-tui-home-');
    emulator = await startEmulator({
      script: [
        respond(
          think('**Weighing it** before answering.'),
          say('# Plan\n\nFirst **bold**, then:\n\n- one\n- two\n\n```ts\nconst x = 1;\n```'),
          shellCall('printf "a\\nb\\n"; exit 3'),
          { eventDelayMs: 2 },
        ),
        respond(applyPatchCall('*** Begin Patch\n*** Add File: notes.txt\n+one\n+two\n*** End Patch')),
        respond(say('Done.')),
        respond(say('never finished'), { eventDelayMs: 4000 }),
        unauthorized401(),
      ],
    });
    const env = serverEnv(emulator, { SPOOL_HOME: home });
    /** The transcript: from the first prompt to the line before `end`. */
    const transcriptOf = (lines: string[], end: (line: string) => boolean) => {
      const from = lines.findIndex((line) => line.startsWith('› first'));
      const to = lines.findIndex((line, i) => i > from && end(line));
      return lines.slice(from, to).join('\n').replace(/\n+$/, '');
    };

    const live = startInteractive({ cwd: workdir, sandbox: 'workspace-write' }, env);
    await live.see('Type a prompt');
    live.type('first\r');
    await live.see('Done.');
    live.type('second\r');
    await live.see('esc to interrupt');
    live.type('\x1b');
    await live.see('Interrupted. Tell the agent what to do differently.');
    live.type('third\r');
    await live.see('rejected the API key');
    live.type('/quit\r');
    expect(await live.done).toBe(0);
    await live.see(/Session \S+ saved/);
    const liveText = transcriptOf(allLines(live.io.term), (line) => line.startsWith('Session '));

    const resumed = startInteractive(
      { cwd: workdir, sandbox: 'workspace-write', resume: { last: true } },
      env,
    );
    await resumed.see('Resumed session');
    await resumed.see('rejected the API key');
    const resumedText = transcriptOf(allLines(resumed.io.term), (line) => /^─+$/.test(line));
    for (const part of ['Weighing it before answering.', 'exit 3', 'Added notes.txt'])
      expect(resumedText).toContain(part);
    expect(resumedText).toBe(liveText);
    resumed.type('/quit\r');
    expect(await resumed.done).toBe(0);
  });

  it('refuses to start without a terminal, and reports a session that does not exist', async () => {
    const home = tempDir('spool-tui-home-');
    let errors = '';
    const stderr = new Writable({
      write(chunk, _e, callback) {
        errors += chunk;
        callback();
      },
    });
    const env = { OPENAI_API_KEY: 'k', SPOOL_HOME: home, PATH: process.env.PATH };
    const notTty = { ...process.stdin, isTTY: false } as unknown as NodeJS.ReadStream;
    expect(await runInteractive({}, { stdin: notTty, stdout: process.stdout, stderr, env })).toBe(2);
    expect(errors).toContain('needs a terminal');
    const io = headlessIo(headlessTerminal());
    expect(
      await runInteractive(
        { resume: { id: 'nope' } },
        { stdin: process.stdin, stdout: process.stdout, stderr, env },
        io,
      ),
    ).toBe(2);
    expect(errors).toContain('resume: no session matches nope');
    expect(
      await runInteractive(
        { cwd: '/no/such/dir' },
        { stdin: process.stdin, stdout: process.stdout, stderr, env },
        io,
      ),
    ).toBe(2);
    expect(errors).toContain('working directory /no/such/dir does not exist');
    expect(
      await runInteractive(
        {},
        { stdin: process.stdin, stdout: process.stdout, stderr, env: { SPOOL_HOME: home } },
        io,
      ),
    ).toBe(1);
    expect(errors).toContain('no API key');
  });
});
