/**
 * Writes many realistic rollout files quickly (for list tests and the benchmark): each session has
 * the meta line, an initial context, and 1–4 turns of reasoning, a shell call, its output, an
 * answer and usage — the lines a real run writes, in the same format, without fsync.
 */
import fs from 'node:fs';
import path from 'node:path';
import { uuidv7 } from '../../src/protocol/ids.js';
import { FORMAT_VERSION, type LineType } from '../../src/protocol/rollout.js';
import { serializeLine } from '../../src/store/format.js';
import { rolloutPathFor } from '../../src/store/paths.js';

export interface GeneratedSession {
  id: string;
  path: string;
  cwd: string;
  prompt: string;
  turns: number;
  inputTokens: number;
}

const usage = (input: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: Math.floor(input / 2),
  output_tokens: output,
  reasoning_output_tokens: 0,
});

function sessionText(id: string, start: Date, cwd: string, prompt: string, turns: number): string {
  const lines: string[] = [];
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const add = (type: LineType, payload: unknown, seconds: number) =>
    lines.push(serializeLine(type, payload, at(seconds)));
  const text = (role: string, value: string) => ({
    type: 'message',
    role,
    content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: value }],
  });
  add(
    'session_meta',
    {
      format_version: FORMAT_VERSION,
      id,
      timestamp: start.toISOString(),
      cwd,
      model: 'gpt-5-codex',
      model_provider: 'openai',
      spool_version: '0.1.0',
      git: { branch: 'main', commit: '0123456789abcdef0123456789abcdef01234567' },
    },
    0,
  );
  add(
    'item',
    text('developer', `<permissions>\nSandbox: workspace-write. ${'Rules. '.repeat(40)}\n</permissions>`),
    0,
  );
  add('item', text('user', `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>`), 0);
  const snapshot = {
    cwd,
    shell: 'bash',
    current_date: start.toISOString().slice(0, 10),
    model: 'gpt-5-codex',
  };
  add('initial_context', snapshot, 0);
  for (let turn = 0; turn < turns; turn++) {
    const turnId = uuidv7(start.getTime() + turn * 60_000);
    const t = turn * 60;
    add('turn_context', { turn_id: turnId, ...snapshot }, t + 1);
    add('item', text('user', turn === 0 ? prompt : `and now step ${turn}`), t + 1);
    add(
      'received',
      {
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Looking at the code.' }],
        encrypted_content: 'gAAAAA'.padEnd(600, 'x'),
      },
      t + 2,
    );
    add(
      'received',
      {
        type: 'function_call',
        name: 'shell',
        arguments: '{"command":["rg","-n","TODO"]}',
        call_id: `call_${turn}`,
      },
      t + 2,
    );
    add('commit', { received: 2 }, t + 2);
    add(
      'tool_output',
      {
        type: 'function_call_output',
        call_id: `call_${turn}`,
        output: `Exit code: 0\nWall time: 0.1 seconds\nOutput:\n${'src/a.ts:1: TODO\n'.repeat(30)}`,
      },
      t + 3,
    );
    add('commit', { outputs: [`call_${turn}`] }, t + 3);
    add(
      'event',
      {
        type: 'usage.updated',
        turn_id: turnId,
        last: usage(2000, 50),
        turn: usage(2000, 50),
        thread: usage(2000, 50),
      },
      t + 3,
    );
    add('received', text('assistant', 'Found the TODOs and fixed them.'), t + 4);
    add('commit', { received: 1 }, t + 4);
    add(
      'event',
      {
        type: 'usage.updated',
        turn_id: turnId,
        last: usage(2500, 20),
        turn: usage(4500, 70),
        thread: usage(4500, 70),
      },
      t + 4,
    );
    add('event', { type: 'turn.completed', turn_id: turnId, usage: usage(4500, 70) }, t + 4);
  }
  return lines.join('');
}

/** `count` sessions under `home`, spread over 100 days and `cwds` directories. */
export function generateSessions(
  home: string,
  count: number,
  cwds: string[] = ['/work/project'],
): GeneratedSession[] {
  const base = Date.UTC(2026, 0, 1);
  const sessions: GeneratedSession[] = [];
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const start = new Date(base + (i % 100) * 86_400_000 + i * 1000);
    const id = uuidv7(start.getTime());
    const cwd = cwds[i % cwds.length]!;
    const prompt = `Task ${i}: fix the TODOs in module ${i % 37}`;
    const turns = 1 + (i % 4);
    const file = rolloutPathFor(home, id, start);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(file, sessionText(id, start, cwd, prompt, turns));
    sessions.push({ id, path: file, cwd, prompt, turns, inputTokens: 4500 * turns });
  }
  return sessions;
}
