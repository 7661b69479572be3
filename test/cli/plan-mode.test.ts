/**
 * Plan mode through the built binary (`spool exec --plan`) against the emulator: the harness
 * refuses every write — a shell redirect, apply_patch (as a tool and through the shell), an
 * escalation, even under --dangerously-bypass-approvals-and-sandbox — and the proposed plan comes
 * out as a plan item. request_user_input without a person: the model is told no answer can come.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyPatchCall,
  call,
  type Emulator,
  respond,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { jsonLines, ROOT, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: tempDir('spool-home-') };
}

type InputItem = {
  type: string;
  role?: string;
  call_id?: string;
  output?: string;
  content?: Array<{ text?: string }>;
};

function outputsOf(index: number): Map<string, string> {
  const input = emulator?.requests[index]?.body?.input as InputItem[];
  return new Map(
    input
      .filter((item) => item.type.endsWith('_call_output'))
      .map((item) => [item.call_id as string, String(item.output)]),
  );
}

const PLAN = '<proposed_plan>\n# Add a greeting\n- write hello.txt\n</proposed_plan>';
const QUESTION = {
  questions: [
    {
      id: 'lang',
      header: 'Language',
      question: 'Which language should the greeting be in?',
      options: [
        { label: 'English (Recommended)', description: 'Most readers.' },
        { label: 'French', description: 'For the Paris office.' },
      ],
    },
  ],
};

describe('spool exec --plan (the built binary)', () => {
  it.each([
    ['under --sandbox workspace-write', ['-s', 'workspace-write', '-a', 'on-request']],
    ['under --dangerously-bypass-approvals-and-sandbox', ['--dangerously-bypass-approvals-and-sandbox']],
  ])('refuses every write %s, lets the model read, and shows its plan', async (_name, flags) => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'README'), 'read me\n');
    const patch = '*** Begin Patch\n*** Add File: patched.txt\n+no\n*** End Patch\n';
    emulator = await startEmulator({
      script: [
        respond(
          shellCall('cat README', { call_id: 'read' }),
          shellCall('echo hi > hello.txt', { call_id: 'redirect' }),
          applyPatchCall(patch, 'patch'),
          shellCall(['bash', '-c', `apply_patch <<'EOF'\n${patch}EOF`], { call_id: 'shell-patch' }),
          call('shell', { command: ['touch', 'x'], sandbox_permissions: 'require_escalated' }, 'escalate'),
          call('update_plan', { plan: [{ step: 'a', status: 'pending' }] }, 'todo'),
        ),
        respond(say(`Here is my plan.\n\n${PLAN}`)),
      ],
    });
    const run = await runSpool(
      ['exec', '--json', '--skip-git-repo-check', '--plan', '-C', cwd, ...flags, 'add a greeting'],
      { env: envFor(emulator) },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readdirSync(cwd).sort()).toEqual(['README']);
    const outputs = outputsOf(1);
    expect(outputs.get('read')).toContain('read me');
    expect(outputs.get('redirect')).toMatch(/Read-only file system|Permission denied/);
    expect(outputs.get('patch')).toMatch(/^apply_patch refused: Plan mode is read-only/);
    expect(outputs.get('shell-patch')).toMatch(/^apply_patch refused: Plan mode is read-only/);
    expect(outputs.get('escalate')).toMatch(/cannot run outside the sandbox in plan mode/);
    expect(outputs.get('todo')).toMatch(/not used in Plan mode/);

    // The model was told, in its first request, that it is in plan mode and read-only.
    const first = emulator.requests[0]?.body?.input as InputItem[];
    const developer = first
      .filter((item) => item.role === 'developer')
      .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ''))
      .join('\n');
    expect(developer).toContain('<collaboration_mode>\n# Plan mode');
    expect(developer).toMatch(/sandbox_mode.*read-only|read-only/);

    const events = jsonLines(run.stdout);
    const plans = events.filter(
      (e) => e.type === 'item.completed' && (e.item as { type: string }).type === 'plan',
    );
    expect(plans).toEqual([
      {
        type: 'item.completed',
        item: { id: expect.any(String), type: 'plan', text: '# Add a greeting\n- write hello.txt' },
      },
    ]);
  });

  it('calls only the MCP tools their server declares read-only, even when the user trusts them all', async () => {
    const home = tempDir('spool-home-');
    const calls = path.join(tempDir(), 'calls.log');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      [
        '[mcp_servers.fix]',
        `command = "${process.execPath}"`,
        `args = ["${path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs')}"]`,
        'default_tools_approval_mode = "approve"',
        '[mcp_servers.fix.env]',
        'FIXTURE_ANNOTATED = "1"',
        `FIXTURE_CALL_LOG = "${calls}"`,
        '',
      ].join('\n'),
    );
    emulator = await startEmulator({
      script: [
        respond(
          call('mcp__fix__whoami', {}, 'read'),
          call('mcp__fix__echo', { text: 'unannotated' }, 'echo'),
          call('mcp__fix__wipe', { target: 'everything' }, 'wipe'),
        ),
        respond(say(PLAN)),
      ],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--plan', '-C', tempDir(), 'go'], {
      env: { ...envFor(emulator), SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['whoami']);
    const outputs = outputsOf(1);
    expect(outputs.get('read')).toContain('pid ');
    expect(outputs.get('echo')).toMatch(/mcp__fix__echo .*refused: Plan mode is read-only/);
    expect(outputs.get('wipe')).toMatch(/mcp__fix__wipe .*refused: Plan mode is read-only/);
  });

  it('shows the plan on stderr and the whole answer on stdout without --json', async () => {
    const cwd = tempDir();
    emulator = await startEmulator({ script: [respond(say(`Plan:\n${PLAN}`))] });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--plan', '-C', cwd, 'plan it'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('proposed plan:\n# Add a greeting\n- write hello.txt');
    expect(run.stdout).toBe(`Plan:\n${PLAN}\n`);
  });

  it('tells the model no one can answer request_user_input without a terminal, and the turn goes on', async () => {
    const cwd = tempDir();
    emulator = await startEmulator({
      script: [
        respond(call('request_user_input', QUESTION, 'ask')),
        respond(say(`Assuming English.\n${PLAN}`)),
      ],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--plan', '-C', cwd, 'plan a greeting'], {
      env: envFor(emulator),
      stdin: '',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(outputsOf(1).get('ask')).toMatch(
      /^request_user_input: no answer\. spool exec is running non-interactively/,
    );
    expect(run.stderr).toContain(
      'question not asked (non-interactive): Which language should the greeting be in?',
    );
  });

  it('refuses request_user_input in default mode unless the feature offers it there', async () => {
    const cwd = tempDir();
    emulator = await startEmulator({
      script: [
        respond(call('request_user_input', QUESTION, 'ask')),
        respond(say('ok')),
        respond(call('request_user_input', QUESTION, 'ask2')),
        respond(say('ok')),
      ],
    });
    const plain = await runSpool(['exec', '--skip-git-repo-check', '-C', cwd, 'hi'], {
      env: envFor(emulator),
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(outputsOf(1).get('ask')).toMatch(/^request_user_input is unavailable in Default mode/);
    const offered = await runSpool(
      [
        'exec',
        '--skip-git-repo-check',
        '-C',
        cwd,
        '-c',
        'features.default_mode_request_user_input=true',
        'hi',
      ],
      { env: envFor(emulator) },
    );
    expect(offered.code, offered.stderr).toBe(0);
    expect(outputsOf(3).get('ask2')).toMatch(
      /^request_user_input: no answer\. spool exec is running non-interactively/,
    );
  });

  it('sends bad questions back to the model with the reason', async () => {
    const cwd = tempDir();
    const one = { label: 'Only', description: 'x' };
    emulator = await startEmulator({
      script: [
        respond(
          call(
            'request_user_input',
            { questions: [{ id: 'q', header: 'h', question: 'q?', options: [one] }] },
            'bad',
          ),
        ),
        respond(say('ok')),
      ],
    });
    const run = await runSpool(['exec', '--skip-git-repo-check', '--plan', '-C', cwd, 'hi'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(outputsOf(1).get('bad')).toMatch(/questions\[0\] has 1 options; give 2 or 3/);
  });
});
