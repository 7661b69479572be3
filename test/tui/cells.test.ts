/** Transcript entries, the approval modal and the status line, as they show in a terminal. */
import { describe, expect, it } from 'vitest';
import { answerForKey, approvalLines, type PendingApproval } from '../../src/tui/view/approval.js';
import {
  agentMessageLines,
  commandLines,
  displayCommand,
  fileChangeLines,
  planLines,
  reasoningLines,
  systemLines,
} from '../../src/tui/view/cells.js';
import { statusLine } from '../../src/tui/view/status-line.js';
import { Transcript } from '../../src/tui/view/transcript.js';
import type { V2Item } from '../../src/tui/view/v2.js';
import { allLines, attributesOf, colorOf, printLines } from './support/headless.js';

const GREEN = 2;
const RED = 1;

function command(
  fields: Partial<Extract<V2Item, { type: 'commandExecution' }>>,
): Extract<V2Item, { type: 'commandExecution' }> {
  return {
    type: 'commandExecution',
    id: 'c1',
    command: "bash -lc 'npm test'",
    cwd: '/repo',
    commandActions: [],
    status: 'completed',
    aggregatedOutput: '',
    exitCode: 0,
    durationMs: 1250,
    ...fields,
  };
}

const DIFF = [
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,2 +1,2 @@',
  ' const a = 1;',
  '-const b = 2;',
  '+const b = 3;',
].join('\n');

describe('transcript cells', () => {
  it('collapses long command output to its head and tail with a count', async () => {
    const output = Array.from({ length: 40 }, (_, i) => `out ${i + 1}`).join('\n');
    const term = await printLines(commandLines(command({ aggregatedOutput: output }), 60));
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "✓ Ran npm test",
        "  └ out 1",
        "    out 2",
        "    out 3",
        "    out 4",
        "    out 5",
        "    … +30 lines",
        "    out 36",
        "    out 37",
        "    out 38",
        "    out 39",
        "    out 40",
        "    1.3s",
      ]
    `);
  });

  it('marks a failed command and a declined one', async () => {
    const term = await printLines([
      ...commandLines(command({ status: 'failed', exitCode: 2, aggregatedOutput: 'boom\n' }), 60),
      ...commandLines(command({ status: 'declined', command: 'rm -rf build' }), 60),
    ]);
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "✗ Ran npm test",
        "  └ boom",
        "    exit 2 · 1.3s",
        "✗ Declined rm -rf build",
      ]
    `);
    expect(colorOf(term, 'exit 2')).toBe(RED);
  });

  it('strips escape sequences and control characters from command output', async () => {
    const term = await printLines(
      commandLines(command({ aggregatedOutput: 'a\x1b[2Jb\x1b]0;title\x07c\rprogress 100%\n' }), 60),
    );
    expect(allLines(term)).toEqual(['✓ Ran npm test', '  └ progress 100%', '    1.3s']);
  });

  it('shows a file change as a coloured diff with counts', async () => {
    const item: V2Item = {
      type: 'fileChange',
      id: 'f1',
      status: 'completed',
      changes: [
        { path: '/repo/src/a.ts', kind: { type: 'update', move_path: null }, diff: DIFF },
        { path: '/repo/new.txt', kind: { type: 'add' }, diff: '@@ -0,0 +1 @@\n+hello' },
      ],
    };
    const term = await printLines(
      fileChangeLines(item as Extract<V2Item, { type: 'fileChange' }>, '/repo', 60),
    );
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "✓ Edited src/a.ts (+1 -1)",
        "     1  const a = 1;",
        "     2 -const b = 2;",
        "     2 +const b = 3;",
        "✓ Added new.txt (+1 -0)",
        "     1 +hello",
      ]
    `);
    expect(colorOf(term, 'const b = 3;')).toBe(GREEN);
    expect(colorOf(term, 'const b = 2;')).toBe(RED);
  });

  it('shows the plan with finished steps ticked', async () => {
    const term = await printLines(
      planLines(
        [
          { step: 'Read the code', status: 'completed' },
          { step: 'Fix the bug', status: 'inProgress' },
          { step: 'Run the tests', status: 'pending' },
        ],
        null,
        60,
      ),
    );
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "• Updated plan",
        "  ✔ Read the code",
        "  ◐ Fix the bug",
        "  □ Run the tests",
      ]
    `);
  });

  it('dims reasoning and keeps its emphasis', async () => {
    const term = await printLines(reasoningLines('**Inspecting** the layout first.', 60));
    expect(allLines(term)).toEqual(['Inspecting the layout first.']);
    expect(attributesOf(term, 'Inspecting')).toEqual({ bold: true, dim: true, italic: true });
    expect(attributesOf(term, 'layout')).toEqual({ bold: false, dim: true, italic: true });
  });

  it('dims the model’s commentary, streamed or finished, and leaves the final answer plain', async () => {
    const finished = await printLines(agentMessageLines('Looking at the tests.', 60, 'commentary'));
    expect(attributesOf(finished, 'Looking')).toMatchObject({ dim: true });
    const answer = await printLines(agentMessageLines('All green.', 60, 'final_answer'));
    expect(attributesOf(answer, 'All green')).toMatchObject({ dim: false });

    const transcript = new Transcript(60, () => '/repo');
    const item = { type: 'agentMessage', id: 'm1', text: '', phase: 'commentary' } as const;
    transcript.itemStarted(item);
    transcript.delta('m1', 'Reading the file.\n');
    transcript.itemCompleted({ ...item, text: 'Reading the file.\n' });
    const streamed = await printLines(transcript.takeCommitted());
    expect(attributesOf(streamed, 'Reading')).toMatchObject({ dim: true });
  });

  it('unwraps the shell from displayed commands', () => {
    expect(displayCommand("bash -lc 'echo '\\''hi'\\'''")).toBe("echo 'hi'");
    expect(displayCommand('/bin/sh -c ls')).toBe('ls');
    expect(displayCommand('git status')).toBe('git status');
  });
});

describe('the transcript', () => {
  it('writes streamed text to the scrollback line by line and keeps only the partial line live', () => {
    const transcript = new Transcript(40, () => '/repo');
    transcript.itemStarted({ type: 'agentMessage', id: 'm', text: '' });
    transcript.delta('m', 'Hello **wor');
    expect(transcript.takeCommitted()).toEqual([]);
    expect(transcript.liveLines().join('\n')).toContain('Hello');
    transcript.delta('m', 'ld**\nsecond');
    const first = transcript.takeCommitted();
    expect(first.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(['Hello world']);
    transcript.itemCompleted({ type: 'agentMessage', id: 'm', text: 'Hello **world**\nsecond line' });
    expect(transcript.takeCommitted().map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(['second line']);
    expect(transcript.liveLines()).toEqual([]);
    transcript.system('warning', 'careful');
    expect(transcript.takeCommitted().map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual([
      '',
      '⚠ careful',
    ]);
  });

  it('replays the turns of a resumed session', () => {
    const transcript = new Transcript(40, () => '/repo');
    transcript.replay([
      {
        id: 't1',
        status: 'interrupted',
        error: null,
        items: [
          { type: 'userMessage', id: 'u', content: [{ type: 'text', text: 'do it' }] },
          { type: 'agentMessage', id: 'a', text: 'On it.' },
        ],
      },
    ]);
    expect(transcript.takeCommitted().map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual([
      '› do it',
      '',
      'On it.',
      '',
      '■ Interrupted. Tell the agent what to do',
      '  differently.',
    ]);
  });
});

describe('the approval modal', () => {
  const asked = {
    threadId: 't',
    turnId: 'u',
    itemId: 'i',
    startedAtMs: 0,
    reason: 'the approval policy is untrusted',
  };
  const pending = (kind: 'command' | 'patch'): PendingApproval =>
    kind === 'command'
      ? {
          requestId: 1,
          kind,
          params: { ...asked, command: "bash -lc 'touch made.txt'", cwd: '/repo' },
          answer: () => undefined,
        }
      : { requestId: 1, kind, params: asked, answer: () => undefined };

  it('shows the exact command, where, why, the policy and the keys', async () => {
    const lines = approvalLines(
      pending('command'),
      { item: undefined, policy: 'untrusted', sandbox: 'workspace-write', cwd: '/repo' },
      70,
      30,
    );
    const term = await printLines(lines, 70);
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "╭─ Approval needed",
        "│ Run this command?",
        "│ $ bash -lc 'touch made.txt'",
        "│ in /repo",
        "│ why: the approval policy is untrusted",
        "│ policy: untrusted · sandbox: workspace-write",
        "│ ",
        "│ y approve once  a approve for this session  n deny  esc abort turn",
        "╰─",
      ]
    `);
  });

  it('offers saving a proposed rule as its own key, showing the rule', async () => {
    const withRule = pending('command');
    if (withRule.kind === 'command') withRule.params.proposedExecpolicyAmendment = ['touch'];
    const lines = approvalLines(
      withRule,
      { item: undefined, policy: 'untrusted', sandbox: 'workspace-write', cwd: '/repo' },
      70,
      30,
    );
    const term = await printLines(lines, 70);
    expect(allLines(term).slice(-3)).toEqual([
      '│ y approve once  a approve for this session  n deny  esc abort turn',
      '│ r approve, and from now on allow commands starting with `touch`',
      '╰─',
    ]);
  });

  it("shows a patch's diff", async () => {
    const item: V2Item = {
      type: 'fileChange',
      id: 'i',
      status: 'inProgress',
      changes: [{ path: '/repo/src/a.ts', kind: { type: 'update', move_path: null }, diff: DIFF }],
    };
    const lines = approvalLines(
      pending('patch'),
      { item, policy: 'on-request', sandbox: 'read-only', cwd: '/repo' },
      70,
      30,
    );
    const term = await printLines(lines, 70);
    expect(allLines(term)).toMatchInlineSnapshot(`
      [
        "╭─ Approval needed",
        "│ Apply this patch?",
        "│ Edited src/a.ts",
        "│    1  const a = 1;",
        "│    2 -const b = 2;",
        "│    2 +const b = 3;",
        "│ in /repo",
        "│ why: the approval policy is untrusted",
        "│ policy: on-request · sandbox: read-only",
        "│ ",
        "│ y approve once  a approve for this session  n deny  esc abort turn",
        "╰─",
      ]
    `);
    expect(colorOf(term, 'const b = 3;')).toBe(GREEN);
  });

  it('maps keys to answers', () => {
    expect(answerForKey({ name: 'text', text: 'y' })).toBe('accept');
    expect(answerForKey({ name: 'text', text: 'a' })).toBe('acceptForSession');
    expect(answerForKey({ name: 'text', text: 'n' })).toBe('decline');
    expect(answerForKey({ name: 'escape' })).toBe('cancel');
    expect(answerForKey({ name: 'text', text: 'c', ctrl: true })).toBe('cancel');
    expect(answerForKey({ name: 'enter' })).toBeUndefined();
    // `r` saves the proposed rule: a choice only when the request proposes one.
    expect(answerForKey({ name: 'text', text: 'r' })).toBeUndefined();
    expect(answerForKey({ name: 'text', text: 'r' }, true)).toBe('acceptWithExecpolicyAmendment');
  });
});

describe('the status line', () => {
  const info = {
    model: 'gpt-5',
    effort: 'medium',
    sandbox: 'workspace-write',
    approvals: 'on-request',
    usage: {
      total: {
        totalTokens: 12_345,
        inputTokens: 10_000,
        cachedInputTokens: 8_000,
        outputTokens: 2_345,
        reasoningOutputTokens: 0,
      },
      last: {
        totalTokens: 30_000,
        inputTokens: 29_000,
        cachedInputTokens: 0,
        outputTokens: 1_000,
        reasoningOutputTokens: 0,
      },
      modelContextWindow: 200_000,
    },
  };

  it('shows model, sandbox, approvals, tokens, cache hits and context left', async () => {
    const term = await printLines([statusLine(info, 120)], 120);
    expect(allLines(term)).toEqual([
      ' gpt-5 medium · workspace-write · ask on-request · 12k tokens · 80% cached · 85% context left',
    ]);
  });

  it('drops the least needed parts when narrow, then cuts', async () => {
    const term = await printLines([statusLine(info, 60), statusLine(info, 20)], 60);
    expect(allLines(term)).toEqual([
      ' gpt-5 · workspace-write · ask on-request · 85% context left',
      ' gpt-5 · 85% contex…',
    ]);
  });

  it('shows system lines with their marker', async () => {
    const term = await printLines(
      [...systemLines('error', 'boom', 40), ...systemLines('info', 'Context compacted', 40)],
      40,
    );
    expect(allLines(term)).toEqual(['■ boom', '• Context compacted']);
  });
});
