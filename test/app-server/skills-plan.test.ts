/**
 * Skills, plan mode and request_user_input through `spool app-server` (the built binary, on
 * stdio) against the emulator, in Codex's v2 shapes (every message schema-checked): skills/list,
 * a `skill` input item, turn/start's collaborationMode (plan mode refuses writes and yields a plan
 * item; switching back to default is announced by appending), and `item/tool/requestUserInput`
 * answered by the client.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { callOutput, type InputItem, messageTexts, requestInput } from '../support/request-input.js';
import { markGitRoot, writeSkill } from '../support/skills.js';
import { ROOT, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';
import { onLines, serverEnv } from './support/harness.js';
import { type Loose, ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const closed = new Promise((resolve) => child?.on('close', resolve));
    child.stdin?.end();
    await closed;
  }
  child = undefined;
  await emulator?.close();
  emulator = undefined;
});

/** `spool app-server` as a user's editor starts it. */
function startServer(env: NodeJS.ProcessEnv): ProtocolClient {
  child = spawn(process.execPath, [SPOOL_BIN, 'app-server'], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const running = child;
  const client = new ProtocolClient((text) => running.stdin?.write(`${text}\n`));
  onLines(running.stdout as NodeJS.ReadableStream, (line) => client.receive(line));
  return client;
}

const PLAN = '<proposed_plan>\n# Greeting\n- write hello.txt in French\n</proposed_plan>';

describe('spool app-server: skills, plan mode, request_user_input', () => {
  it('lists skills per cwd in Codex’s shape, with files that are no skill', async () => {
    emulator = await startEmulator({ script: [] });
    const repo = fs.realpathSync(tempDir('spool-skills-repo-'));
    markGitRoot(repo);
    const file = writeSkill(path.join(repo, '.agents', 'skills'), 'deploy', 'deploy', 'Ship it');
    const bad = path.join(repo, '.agents', 'skills', 'bad', 'SKILL.md');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, 'no front matter\n');
    const client = startServer(serverEnv(emulator));
    await client.initialize();
    const listed = await client.call('skills/list', { cwds: [repo] });
    expect(listed).toEqual({
      data: [
        {
          cwd: repo,
          skills: [
            {
              name: 'deploy',
              description: 'Ship it',
              shortDescription: null,
              path: file,
              scope: 'repo',
              enabled: true,
            },
          ],
          errors: [
            {
              path: bad,
              message: expect.stringMatching(/^line 1: SKILL.md must start with YAML front matter/),
            },
          ],
        },
      ],
    });
    const modes = await client.call('collaborationMode/list', {});
    expect(modes.data.map((m: Loose) => m.mode)).toEqual(['default', 'plan']);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('plans read-only with a question answered by the client, then implements in default mode with the plan kept', async () => {
    const cwd = fs.realpathSync(tempDir());
    const skill = writeSkill(
      path.join(cwd, '.agents', 'skills'),
      'greet',
      'greet',
      'How we write greetings',
      'Be brief.',
    );
    const question = {
      questions: [
        {
          id: 'lang',
          header: 'Language',
          question: 'Which language?',
          options: [
            { label: 'English (Recommended)', description: 'Default.' },
            { label: 'French', description: 'For Paris.' },
          ],
        },
      ],
    };
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('echo hi > hello.txt', { call_id: 'write' }),
          call('request_user_input', question, 'ask'),
        ),
        respond(say(`French it is.\n\n${PLAN}`)),
        respond(shellCall('echo bonjour > hello.txt', { call_id: 'write2' })),
        respond(say('Done.')),
      ],
    });
    const client = startServer(serverEnv(emulator));
    const asked: Loose[] = [];
    client.onServerRequest = (request) => {
      asked.push(request);
      return { answers: { lang: { answers: ['French', 'user_note: for the Paris office'] } } };
    };
    await client.initialize();
    const threadId = (
      await client.call('thread/start', { cwd, sandbox: 'workspace-write', approvalPolicy: 'never' })
    ).thread.id;

    const planTurn = await client.call('turn/start', {
      threadId,
      input: [
        { type: 'text', text: 'Plan a greeting file.' },
        { type: 'skill', name: 'greet', path: skill },
      ],
      collaborationMode: { mode: 'plan', settings: { model: 'gpt-5-codex' } },
    });
    await client.turnCompleted(planTurn.turn.id);
    expect(fs.existsSync(path.join(cwd, 'hello.txt'))).toBe(false);
    expect(callOutput(emulator, 1, 'write')).toMatch(/Read-only file system|Permission denied/);
    // The question went to the client in Codex's shape; its answers went to the model as Codex sends them.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      method: 'item/tool/requestUserInput',
      params: {
        threadId,
        turnId: planTurn.turn.id,
        itemId: 'ask',
        questions: [
          { id: 'lang', header: 'Language', isOther: true, options: question.questions[0]?.options },
        ],
      },
    });
    expect(JSON.parse(callOutput(emulator, 1, 'ask') as string)).toEqual({
      answers: { lang: { answers: ['French', 'user_note: for the Paris office'] } },
    });
    expect(
      client
        .notifications('thread/status/changed')
        .some((p) => p.status.activeFlags?.includes('waitingOnUserInput')),
    ).toBe(true);
    expect(client.notifications('serverRequest/resolved')).toHaveLength(1);
    const plans = client.notifications('item/completed', (p) => p.item.type === 'plan');
    expect(plans.map((p) => p.item.text)).toEqual(['# Greeting\n- write hello.txt in French']);
    // The skill item put the skill's file after the prompt.
    const first = messageTexts(requestInput(emulator, 0), 'user');
    expect(first.at(-1)).toMatch(/^<skill>\n<name>greet<\/name>/);
    expect(messageTexts(requestInput(emulator, 0), 'developer').join('\n')).toContain('# Plan mode');

    const implement = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'Implement the plan.' }],
      collaborationMode: { mode: 'default', settings: { model: 'gpt-5-codex' } },
    });
    await client.turnCompleted(implement.turn.id);
    expect(fs.readFileSync(path.join(cwd, 'hello.txt'), 'utf8')).toBe('bonjour\n');
    // Everything sent in plan mode is sent again unchanged; the switch is appended.
    const before = requestInput(emulator, 1);
    const after = requestInput(emulator, 2);
    expect(after.slice(0, before.length)).toEqual(before);
    const appended = after.slice(before.length);
    expect(messageTexts(appended, 'developer').join('\n')).toContain('# Default mode');
    expect(messageTexts(appended, 'user').at(-1)).toBe('Implement the plan.');
    expect(emulator.requests[2]?.cachedTokens).toBeGreaterThan(0);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('gives no input in plan mode to a process started before it (it could write)', async () => {
    const cwd = fs.realpathSync(tempDir());
    const steps: Array<(request: { body?: { input?: unknown } }) => ReturnType<typeof respond>> = [
      () => respond(call('exec_command', { cmd: 'cat > typed.txt', yield_time_ms: 300 }, 'start')),
      () => respond(say('Started.')),
      (request) => {
        const started = ((request.body?.input ?? []) as InputItem[]).find(
          (item) => item.type === 'function_call_output' && item.call_id === 'start',
        );
        const id = Number(/session ID (\d+)/.exec(String(started?.output))?.[1]);
        return respond(call('write_stdin', { session_id: id, chars: 'hello\n', yield_time_ms: 300 }, 'type'));
      },
      () => respond(say(PLAN)),
    ];
    emulator = await startEmulator({ script: (request, index) => steps[index]?.(request) });
    const client = startServer(serverEnv(emulator));
    await client.initialize();
    const threadId = (
      await client.call('thread/start', { cwd, sandbox: 'workspace-write', approvalPolicy: 'never' })
    ).thread.id;
    const first = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'start cat' }] });
    await client.turnCompleted(first.turn.id);
    expect(callOutput(emulator, 1, 'start')).toMatch(/session ID \d+/);
    const planned = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'now plan' }],
      collaborationMode: { mode: 'plan', settings: { model: 'gpt-5-codex' } },
    });
    await client.turnCompleted(planned.turn.id);
    expect(callOutput(emulator, 3, 'type')).toMatch(
      /^Input not written: .*\nThis session was started outside plan mode and can write\./,
    );
    const typed = path.join(cwd, 'typed.txt');
    expect(fs.existsSync(typed) ? fs.readFileSync(typed, 'utf8') : '').toBe('');
    expect(client.schemaProblems()).toEqual([]);
  });

  it('tells the model when the client cannot answer the question', async () => {
    const cwd = tempDir();
    const question = {
      questions: [
        {
          id: 'q',
          header: 'Q',
          question: 'Which?',
          options: [
            { label: 'A', description: 'a' },
            { label: 'B', description: 'b' },
          ],
        },
      ],
    };
    emulator = await startEmulator({
      script: [respond(call('request_user_input', question, 'ask')), respond(say('ok'))],
    });
    const client = startServer(serverEnv(emulator));
    client.onServerRequest = () => ({ nonsense: true });
    await client.initialize();
    const threadId = (await client.call('thread/start', { cwd })).thread.id;
    const turn = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'hi' }],
      collaborationMode: { mode: 'plan', settings: { model: 'gpt-5-codex' } },
    });
    await client.turnCompleted(turn.turn.id);
    expect(callOutput(emulator, 1, 'ask')).toMatch(
      /^request_user_input: no answer\. The client's answer was unusable/,
    );
    expect(client.schemaProblems()).toEqual([]);
  });
});
