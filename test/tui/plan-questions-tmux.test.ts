/**
 * Skills, plan mode and request_user_input as a person meets them in a real terminal (tmux), the
 * built binary against the emulator: `$` completes a skill in the TUI composer, `/plan` switches
 * to plan mode (a write is refused), a question is answered in a picker, "Implement this plan?"
 * switches back and the model carries the plan out with the earlier requests kept as they were;
 * and `spool exec` asks the model's question on its terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { callOutput, messageTexts, requestInput } from '../support/request-input.js';
import { writeSkill } from '../support/skills.js';
import { tempDir } from '../support/thread.js';
import { hasTmux, spoolCommand, Tmux } from '../support/tmux.js';

let pane: Tmux | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  pane?.kill();
  pane = undefined;
  await emulator?.close();
  emulator = undefined;
});

const spool = spoolCommand;

/** The command's exit status once it has ended. */
async function exitStatus(tmux: Tmux, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (tmux.exitStatus() === '') {
    if (Date.now() > deadline) throw new Error(`the command did not end; the pane shows:\n${tmux.capture()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Number(tmux.exitStatus());
}

function terminalEnv(e: Emulator, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'tmux-256color',
    OPENAI_BASE_URL: e.url,
    OPENAI_API_KEY: 'test-key',
    SPOOL_HOME: path.join(home, 'spool'),
  };
}

const QUESTION = {
  questions: [
    {
      id: 'lang',
      header: 'Language',
      question: 'Which language should the greeting use?',
      options: [
        { label: 'English (Recommended)', description: 'Most readers.' },
        { label: 'French', description: 'For the Paris office.' },
      ],
    },
  ],
};
const PLAN = '<proposed_plan>\n# Greeting\n\n- write hello.txt in French\n</proposed_plan>';

describe('skills, plan mode and questions in a terminal', () => {
  it('the TUI: $ completion, /plan, a question picker, and "Implement this plan?"', async () => {
    expect(hasTmux(), 'tmux is needed for this test (CI installs it in .ci/run)').toBe(true);
    const cwd = fs.realpathSync(tempDir('spool-plan-tui-'));
    const home = tempDir('spool-plan-home-');
    const skill = writeSkill(
      path.join(cwd, '.agents', 'skills'),
      'greet',
      'greet',
      'How we write greetings',
      'Be brief.',
    );
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('echo hi > hello.txt', { call_id: 'write' }),
          call('request_user_input', QUESTION, 'ask'),
        ),
        respond(say(`French it is.\n\n${PLAN}`)),
        respond(shellCall('echo bonjour > hello.txt', { call_id: 'write2' })),
        respond(say('Wrote the greeting.')),
      ],
    });
    pane = new Tmux(tempDir('spool-plan-tmux-'));
    pane.start(spool(['-s', 'workspace-write', '-a', 'never']), terminalEnv(emulator, home), cwd, 110);
    await pane.see('Type a prompt');

    pane.text('/plan');
    pane.keys('Enter');
    await pane.see('Plan mode from the next turn');
    await pane.see('plan mode');

    pane.text('$gr');
    await pane.see('$greet  How we write greetings');
    pane.keys('Tab');
    pane.text('plan a greeting file');
    await pane.see('› $greet plan a greeting file');
    pane.keys('Enter');

    await pane.see('Language: Which language should the greeting use?');
    await pane.see('French  For the Paris office.');
    pane.keys('Down');
    pane.keys('Enter');

    await pane.see('Proposed plan');
    await pane.see('Implement this plan?');
    expect(fs.existsSync(path.join(cwd, 'hello.txt'))).toBe(false);
    expect(callOutput(emulator, 1, 'write')).toMatch(/Read-only file system|Permission denied/);
    expect(JSON.parse(callOutput(emulator, 1, 'ask') as string)).toEqual({
      answers: { lang: { answers: ['French'] } },
    });
    expect(messageTexts(requestInput(emulator, 0), 'user').at(-1)).toBe(
      `<skill>\n<name>greet</name>\n<path>${skill}</path>\n${fs.readFileSync(skill, 'utf8').trimEnd()}\n</skill>`,
    );

    pane.keys('Enter');
    await pane.see('Wrote the greeting.');
    expect(fs.readFileSync(path.join(cwd, 'hello.txt'), 'utf8')).toBe('bonjour\n');
    const before = requestInput(emulator, 1);
    const after = requestInput(emulator, 2);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(messageTexts(after.slice(before.length), 'developer').join('\n')).toContain('# Default mode');
    expect(messageTexts(after.slice(before.length), 'user').at(-1)).toBe('Implement the plan.');

    pane.text('/quit');
    pane.keys('Enter');
    expect(await exitStatus(pane)).toBe(0);
  });

  it('the TUI: an answer in the user’s own words, and a dismissed question', async () => {
    expect(hasTmux()).toBe(true);
    const cwd = tempDir('spool-plan-tui-');
    const home = tempDir('spool-plan-home-');
    emulator = await startEmulator({
      script: [
        respond(call('request_user_input', QUESTION, 'ask')),
        respond(call('request_user_input', QUESTION, 'ask2')),
        respond(say('Noted.')),
      ],
    });
    pane = new Tmux(tempDir('spool-plan-tmux-'));
    pane.start(spool(['--plan']), terminalEnv(emulator, home), cwd, 110);
    await pane.see('plan mode');
    pane.text('greet');
    pane.keys('Enter');
    await pane.see('Which language should the greeting use?');
    pane.keys('Down', 'Down');
    pane.keys('Enter');
    await pane.see('Type your answer to "Which language should the greeting use?"');
    pane.text('Spanish, please');
    pane.keys('Enter');
    await pane.see(/Language: Which language/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    pane.keys('Escape');
    await pane.see('Noted.');
    expect(JSON.parse(callOutput(emulator, 1, 'ask') as string)).toEqual({
      answers: { lang: { answers: ['user_note: Spanish, please'] } },
    });
    expect(callOutput(emulator, 2, 'ask2')).toBe(
      'request_user_input: no answer. The user dismissed the questions without answering.',
    );
  });

  it('spool exec asks the question on its terminal', async () => {
    expect(hasTmux()).toBe(true);
    const cwd = tempDir('spool-plan-exec-');
    const home = tempDir('spool-plan-home-');
    emulator = await startEmulator({
      script: [respond(call('request_user_input', QUESTION, 'ask')), respond(say(`OK.\n${PLAN}`))],
    });
    pane = new Tmux(tempDir('spool-plan-tmux-'));
    pane.start(
      spool(['exec', '--skip-git-repo-check', '--plan', 'plan a greeting']),
      terminalEnv(emulator, home),
      cwd,
    );
    await pane.see('[Language] Which language should the greeting use?');
    await pane.see('2. French — For the Paris office.');
    pane.text('2');
    pane.keys('Enter');
    expect(await exitStatus(pane)).toBe(0);
    expect(JSON.parse(callOutput(emulator, 1, 'ask') as string)).toEqual({
      answers: { lang: { answers: ['French'] } },
    });
    expect(pane.capture()).toContain('proposed plan:');
  });
});
