/**
 * The guardian's pure parts: the policy it is given, the bounded transcript excerpt, the review
 * prompt (full, then only the delta), the strict reading of its answer, the circuit breaker.
 */
import { describe, expect, it } from 'vitest';
import { parseAssessment } from '../../src/guardian/assessment.js';
import { CircuitBreaker } from '../../src/guardian/circuit-breaker.js';
import { BUILTIN_POLICY, guardianPolicy, guardianSection } from '../../src/guardian/policy.js';
import { actionJson, reviewPrompt, START_CURSOR } from '../../src/guardian/prompt.js';
import {
  renderTranscript,
  TRANSCRIPT_BUDGET,
  transcriptEntries,
  truncateForGuardian,
} from '../../src/guardian/transcript.js';
import type { ApprovalRequest } from '../../src/protocol/events.js';
import type { HistoryItem } from '../../src/protocol/items.js';

const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});
const assistant = (text: string): HistoryItem => ({
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text }],
});
const callItem = (id: string, args: string): HistoryItem => ({
  type: 'function_call',
  name: 'shell',
  arguments: args,
  call_id: id,
});
const output = (id: string, text: string): HistoryItem => ({
  type: 'function_call_output',
  call_id: id,
  output: text,
});

const REQUEST: ApprovalRequest = {
  id: 'approval_0',
  kind: 'command',
  command: ['rm', '-rf', 'build'],
  display: 'rm -rf build',
  cwd: '/work',
  reason: 'it is a destructive command',
  policy: 'on-request',
};

describe('guardian policy', () => {
  it('always keeps the built-in policy and the answer contract; adds the user’s text when given', () => {
    expect(guardianPolicy()).toContain(BUILTIN_POLICY);
    expect(guardianPolicy({ configured: '   ' })).not.toContain("user's configuration");
    const text = guardianPolicy({ configured: 'No deploys.', projectSections: ['Ask before migrations.'] });
    expect(text.indexOf(BUILTIN_POLICY)).toBe(0);
    expect(text).toMatch(
      /No deploys\.[\s\S]*Ask before migrations\.[\s\S]*"outcome": "allow" \| "deny" \| "escalate"/,
    );
    expect(guardianPolicy({ configured: 'x' })).toBe(guardianPolicy({ configured: 'x' }));
  });

  it('finds the "## Guardian" section of AGENTS.md, up to the next heading of its level', () => {
    const md =
      '# A\nintro\n## Guardian\nrule one\n### detail\nrule two\n```\n## not a heading\n```\n## Next\nother';
    expect(guardianSection(md)).toBe('rule one\n### detail\nrule two\n```\n## not a heading\n```');
    expect(guardianSection('# A\n## Guardians\nx')).toBeUndefined();
    expect(guardianSection('## Guardian\n\n## Next')).toBeUndefined();
  });
});

describe('guardian transcript excerpt', () => {
  it('keeps user prompts, answers and tool evidence; leaves out context messages', () => {
    const entries = transcriptEntries([
      user('<environment_context>\n  <cwd>/x</cwd>\n</environment_context>'),
      user('fix the build'),
      callItem('c1', '{"command":["make"]}'),
      output('c1', 'ok'),
      assistant('built'),
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'internal rules' }] },
    ]);
    expect(entries.map((e) => `${e.label}: ${e.text}`)).toEqual([
      'user: fix the build',
      'tool shell call: {"command":["make"]}',
      'tool shell result: ok',
      'assistant: built',
    ]);
  });

  it('cuts long entries in the middle with a marker, and keeps within the budgets', () => {
    const cut = truncateForGuardian('a'.repeat(10_000) + 'END', 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(400);
    expect(cut).toMatch(/^a+<truncated omitted_approx_tokens="\d+" \/>a*END$/);
    const items: HistoryItem[] = [user('FIRST REQUEST')];
    for (let i = 0; i < 200; i++) {
      items.push(callItem(`c${i}`, `{"n":${i}}`), output(`c${i}`, 'x'.repeat(3_000)));
      items.push(user(`request ${i} ${'y'.repeat(1_000)}`));
    }
    items.push(user('LATEST REQUEST'));
    const rendered = renderTranscript(transcriptEntries(items));
    const text = rendered.lines.join('\n');
    expect(rendered.omitted).toBe(true);
    expect(text).toContain('FIRST REQUEST');
    expect(text).toContain('LATEST REQUEST');
    const tokens = Math.ceil(Buffer.byteLength(text) / 4);
    expect(tokens).toBeLessThanOrEqual(TRANSCRIPT_BUDGET.messageTokens + TRANSCRIPT_BUDGET.toolTokens + 200);
    const nonUser = rendered.lines.filter((l) => !/^\[\d+\] user:/.test(l));
    expect(nonUser.length).toBeLessThanOrEqual(TRANSCRIPT_BUDGET.recentEntries);
    // The most recent tool evidence is what is kept.
    expect(text).toContain('{"n":199}');
    expect(text).not.toContain('{"n":0}');
  });
});

describe('guardian review prompt', () => {
  it('sends the whole excerpt first, then only what was added; all again when history was replaced', () => {
    const action = actionJson(REQUEST, { sandbox: 'workspace-write' });
    expect(JSON.parse(action)).toMatchObject({
      tool: 'shell',
      command: ['rm', '-rf', 'build'],
      cwd: '/work',
      approval_reason: 'it is a destructive command',
      sandbox: 'workspace-write',
    });
    const history = [user('clean up'), callItem('c1', '{"command":["ls"]}'), output('c1', 'build')];
    const first = reviewPrompt(transcriptEntries(history), START_CURSOR, action, 't1');
    expect(first.text).toContain('>>> TRANSCRIPT START\n[1] user: clean up');
    expect(first.text).toContain(action);
    const more = [...history, assistant('removing build'), callItem('c2', '{"command":["rm"]}')];
    const second = reviewPrompt(transcriptEntries(more), first.cursor, action, 't1');
    expect(second.text).toContain(
      '>>> TRANSCRIPT DELTA START\n[4] assistant: removing build\n[5] tool shell call',
    );
    expect(second.text).not.toContain('clean up');
    // Compaction replaced the history: the cursor no longer matches, so everything is sent again.
    const compacted = [user('summary of earlier work'), assistant('removing build')];
    const third = reviewPrompt(transcriptEntries(compacted), second.cursor, action, 't1');
    expect(third.text).toContain('>>> TRANSCRIPT START\n[1] user: summary of earlier work');
  });

  it('includes a patch’s diff and cuts huge actions', () => {
    const patch: ApprovalRequest = {
      ...REQUEST,
      kind: 'patch',
      command: undefined,
      display: 'update a.txt',
      changes: [{ path: '/work/a.txt', kind: 'update', diff: `-old\n+new\n${'z'.repeat(200_000)}` }],
    };
    const json = actionJson(patch, { sandbox: 'read-only' });
    expect(json).toContain('"tool": "apply_patch"');
    expect(json).toContain('-old\\n+new');
    expect(json).toContain('<truncated');
    expect(Buffer.byteLength(json)).toBeLessThan(70_000);
  });
});

describe('guardian answers', () => {
  it('accepts only the exact assessment shape', () => {
    const good = { risk_level: 'low', user_authorization: 'explicit', outcome: 'allow', rationale: 'ok' };
    expect(parseAssessment(JSON.stringify(good))).toEqual({ ok: true, assessment: good });
    for (const bad of [
      undefined,
      '',
      'allow',
      '```json\n{}\n```',
      JSON.stringify({ ...good, outcome: 'maybe' }),
      JSON.stringify({ ...good, rationale: '  ' }),
      JSON.stringify({ ...good, extra: 1 }),
      JSON.stringify([good]),
      JSON.stringify({ outcome: 'allow' }),
    ]) {
      expect(parseAssessment(bad).ok, String(bad)).toBe(false);
    }
  });

  it('the circuit breaker trips on 3 in a row, or 10 of the last 50', () => {
    const streak = new CircuitBreaker();
    expect(streak.record(true)).toBeUndefined();
    expect(streak.record(true)).toBeUndefined();
    expect(streak.record(true)).toMatch(/3 actions in a row/);
    const windowed = new CircuitBreaker();
    let trip: string | undefined;
    for (let i = 0; i < 30 && !trip; i++) trip = windowed.record(i % 3 === 0) ?? undefined;
    expect(trip).toMatch(/denied 10 of the last 28 actions/);
    const reset = new CircuitBreaker();
    reset.record(true);
    reset.record(true);
    reset.reset();
    expect(reset.record(true)).toBeUndefined();
  });
});
