/**
 * The rollout format: reading a fixture of every format version (only version 1 exists), torn last
 * lines, the closing of an unfinished response, errors for what is not a readable rollout, and the
 * append-only file's behaviour on a full disk (/dev/full).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION } from '../../src/protocol/rollout.js';
import { resumeThread } from '../../src/session/recorded.js';
import { AppendOnlyFile } from '../../src/store/append-file.js';
import { RolloutFormatError, SessionStoreError } from '../../src/store/errors.js';
import { rolloutPathFor } from '../../src/store/paths.js';
import { readRollout, readRolloutText } from '../../src/store/rollout-reader.js';
import { openSession } from '../../src/store/sessions.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const FIXTURE_ID = '01a20000-0000-7000-8000-000000000001';

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

/** The history the version-1 fixture must rebuild to (its second turn was cut off by a crash). */
const FIXTURE_HISTORY = [
  {
    type: 'message',
    role: 'developer',
    content: [{ type: 'input_text', text: '<permissions>\nSandbox: workspace-write.\n</permissions>' }],
  },
  user('<environment_context>\n  <cwd>/work/project</cwd>\n</environment_context>'),
  user('List the files.'),
  {
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: 'Looking around' }],
    encrypted_content: 'gAAAAAopaque-1',
  },
  { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_1' },
  {
    type: 'function_call_output',
    call_id: 'call_1',
    output: 'Exit code: 0\nWall time: 0 seconds\nOutput:\nREADME.md\n',
  },
  { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'There is a README.md.' }] },
  user('<environment_context>\n  <current_date>2026-11-22</current_date>\n</environment_context>'),
  user('Count the lines, then tidy up.'),
  {
    type: 'reasoning',
    summary: [{ type: 'summary_text', text: 'Two commands' }],
    encrypted_content: 'gAAAAAopaque-2',
  },
  {
    type: 'function_call',
    name: 'shell',
    arguments: '{"command":["wc","-l","README.md"]}',
    call_id: 'call_2',
  },
  {
    type: 'custom_tool_call',
    name: 'apply_patch',
    input: '*** Begin Patch\n*** Delete File: junk.txt\n*** End Patch',
    call_id: 'call_3',
  },
  // Recorded before the crash: kept.
  {
    type: 'function_call_output',
    call_id: 'call_2',
    output: 'Exit code: 0\nWall time: 0 seconds\nOutput:\n3 README.md\n',
  },
  // Its output line was torn: the call is answered the way an interrupted stream answers it.
  { type: 'custom_tool_call_output', call_id: 'call_3', output: 'aborted' },
  // The assistant message after the last call is dropped, as the live loop drops it.
];

/** Puts the fixture where a session of `home` lives (so it can be found and resumed). */
function installFixture(home: string): string {
  const file = rolloutPathFor(home, FIXTURE_ID, new Date('2026-11-21T10:00:00Z'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'rollout-v1.jsonl'), file);
  return file;
}

describe('rollout format', () => {
  it('has exactly one version so far, and its fixture is read back', () => {
    // When a version 2 appears, add its fixture and keep this one: older files must stay readable.
    expect(FORMAT_VERSION).toBe(1);
    const read = readRollout(path.join(FIXTURES, 'rollout-v1.jsonl'));
    expect(read.meta).toMatchObject({ format_version: 1, id: FIXTURE_ID, git: { branch: 'main' } });
    expect(read.history).toEqual(FIXTURE_HISTORY);
    expect(read.turns).toBe(2);
    expect(read.lastTurnContext).toMatchObject({ turn_id: '01a20000-0002-7000-8000-000000000001' });
    expect(read.lastContext).toMatchObject({ current_date: '2026-11-22', cwd: '/work/project' });
    expect(read.unfinishedTurn?.turn_id).toBe('01a20000-0002-7000-8000-000000000001');
    expect(read.warnings).toEqual([expect.stringMatching(/last line was cut short .* dropped/)]);
    expect(read.summary).toMatchObject({
      first_prompt: 'List the files.',
      turns: 2,
      tokens: { input_tokens: 250, cached_input_tokens: 100, output_tokens: 30 },
    });
  });

  it('keeps the exact bytes of items (key order as written)', () => {
    const read = readRollout(path.join(FIXTURES, 'rollout-v1.jsonl'));
    const reasoning = JSON.stringify(read.history[3]);
    expect(reasoning).toBe(
      '{"type":"reasoning","summary":[{"type":"summary_text","text":"Looking around"}],"encrypted_content":"gAAAAAopaque-1"}',
    );
  });

  it('stops a fork read after the given turn, at its outcome event', () => {
    const read = readRollout(path.join(FIXTURES, 'rollout-v1.jsonl'), { throughTurn: 1 });
    expect(read.history).toEqual(FIXTURE_HISTORY.slice(0, 7));
    expect(read.turns).toBe(1);
    expect(read.unfinishedTurn).toBeUndefined();
    const text = fs.readFileSync(path.join(FIXTURES, 'rollout-v1.jsonl'), 'utf8');
    // The next turn's context update (before its turn_context line) is not part of turn 1.
    expect(text.slice(0, read.endOffset)).toMatch(/"turn\.completed".*\n$/);
  });

  it('refuses what it cannot read, saying why', () => {
    const meta = (version: unknown) =>
      `${JSON.stringify({ timestamp: 't', type: 'session_meta', payload: { format_version: version, id: 'x' } })}\n`;
    expect(() => readRolloutText(meta(2), 'f.jsonl')).toThrow(/newer Spool \(format 2\)/);
    expect(() => readRolloutText(meta('one'), 'f.jsonl')).toThrow(/unknown format version/);
    expect(() => readRolloutText('{"type":"item","payload":{}}\n', 'f.jsonl')).toThrow(
      /not a Spool session log/,
    );
    expect(() => readRolloutText('', 'f.jsonl')).toThrow(RolloutFormatError);
    const corrupt = `${meta(1)}{"timestamp":"t","type":"item",\n${meta(1)}`;
    expect(() => readRolloutText(corrupt, 'f.jsonl')).toThrow(/f\.jsonl:2: not valid JSON/);
    const unknownType = `${meta(1)}${JSON.stringify({ timestamp: 't', type: 'history_rewritten', payload: {} })}\n`;
    expect(() => readRolloutText(unknownType, 'f.jsonl')).toThrow(/unknown line type "history_rewritten"/);
    const badCommit = `${meta(1)}${JSON.stringify({ timestamp: 't', type: 'commit', payload: { received: 3 } })}\n`;
    expect(() => readRolloutText(badCommit, 'f.jsonl')).toThrow(/fewer were received/);
  });

  it('resuming writes the closure, so the file reads back the same without the torn line', async () => {
    const home = tempDir('spool-home-');
    const file = installFixture(home);
    const before = readRollout(file);
    const opened = openSession(home, { id: FIXTURE_ID.slice(0, 20) });
    const settings = testSettings({ cwd: '/work/project', spoolHome: home });
    const resumed = resumeThread(opened, {
      client: clientFor('responses', 'http://127.0.0.1:9/v1'),
      settings,
      tools: new ToolRegistry([]),
    });
    expect(resumed.thread.id).toBe(FIXTURE_ID);
    expect(resumed.thread.history).toEqual(FIXTURE_HISTORY);
    expect(resumed.lastTurnContext?.turn_id).toBe('01a20000-0002-7000-8000-000000000001');
    expect(resumed.warnings).toHaveLength(1);
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
    await resumed.thread.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);

    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const after = readRollout(file);
    expect(after.warnings).toEqual([]);
    expect(after.history).toEqual(before.history);
    expect(after.closure).toBeUndefined();
    expect(after.unfinishedTurn).toBeUndefined();
    // The crashed turn now has an outcome in the log.
    expect(text).toMatch(/"type":"turn\.failed".*"kind":"process_exit"/);
  });

  it('a full disk (/dev/full) fails the append with ENOSPC and refuses every later one', () => {
    const full = AppendOnlyFile.reopen('/dev/full', 0);
    let error: unknown;
    try {
      full.append('{"line":1}\n', true);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SessionStoreError);
    expect((error as SessionStoreError).code).toBe('ENOSPC');
    expect((error as Error).message).toMatch(
      /cannot write the session log \/dev\/full: ENOSPC: no space left/,
    );
    expect(() => full.append('{"line":2}\n', false)).toThrow(error as Error);
    full.close();
  });

  it('creates a log exclusively: an existing file is never overwritten', () => {
    const file = path.join(tempDir(), 'rollout.jsonl');
    fs.writeFileSync(file, 'precious\n');
    expect(() => AppendOnlyFile.create(file, '{"x":1}\n')).toThrow(/EEXIST/);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious\n');
  });

  it('creates a log without a synchronous flush: the line is written at once, durable() waits for the disk', async () => {
    const file = path.join(tempDir(), 'sessions', 'rollout.jsonl');
    const log = AppendOnlyFile.create(file, '{"meta":1}\n');
    // Written (a kill of the process keeps it) before the flush on the thread pool has returned.
    expect(fs.readFileSync(file, 'utf8')).toBe('{"meta":1}\n');
    let durable = false;
    const flushed = log.durable().then(() => {
      durable = true;
    });
    await Promise.resolve();
    expect(durable).toBe(false);
    await flushed;
    expect(durable).toBe(true);
    log.append('{"line":2}\n', true);
    await log.durable();
    log.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"meta":1}\n{"line":2}\n');
  });
});
