/**
 * One source for `exec --json`: the schema in src/protocol/exec-json.ts accepts every line of Codex's
 * own captures (../shared/conformance/codex-exec-json/) and refuses a line with a field Codex does not
 * print; what Spool's projector prints for a turn parses with it too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecJsonProjector } from '../../src/cli/exec-jsonl.js';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { ExecJsonEvent } from '../../src/protocol/exec-json.js';
import { ROOT } from '../support/spool-bin.js';

const CAPTURES = path.resolve(ROOT, '../shared/conformance/codex-exec-json');

const usage = { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3, reasoning_output_tokens: 1 };

describe('the exec --json schema', () => {
  it("accepts every line of Codex's captures", () => {
    const files = fs.readdirSync(CAPTURES).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const raw of fs.readFileSync(path.join(CAPTURES, file), 'utf8').split('\n')) {
        if (!raw.trim()) continue;
        const parsed = ExecJsonEvent.safeParse(JSON.parse(raw));
        expect(parsed.success, `${file}: ${raw} — ${parsed.error?.message}`).toBe(true);
      }
    }
  });

  it('refuses a field Codex does not print', () => {
    expect(ExecJsonEvent.safeParse({ type: 'turn.started', turn_id: 't' }).success).toBe(false);
    expect(
      ExecJsonEvent.safeParse({
        type: 'item.completed',
        item: { id: 'i', type: 'agent_message', text: 'x', phase: 'p' },
      }).success,
    ).toBe(false);
  });

  it("describes what Spool's projector prints", () => {
    const projector = new ExecJsonProjector();
    const events = [
      { type: 'thread.started', thread_id: 'th' },
      { type: 'turn.started', turn_id: 't1' },
      {
        type: 'item.started',
        turn_id: 't1',
        item: {
          id: 'c',
          type: 'command_execution',
          command: 'ls',
          aggregated_output: '',
          exit_code: null,
          status: 'in_progress',
        },
      },
      {
        type: 'item.completed',
        turn_id: 't1',
        item: {
          id: 'c',
          type: 'command_execution',
          command: 'ls',
          aggregated_output: 'a\n',
          exit_code: 0,
          status: 'completed',
        },
      },
      { type: 'item.completed', turn_id: 't1', item: { id: 'm', type: 'agent_message', text: 'done' } },
      { type: 'turn.completed', turn_id: 't1', usage },
      { type: 'turn.failed', turn_id: 't2', error: { message: 'boom' } },
      // Spool's own: plan mode's plan, a code review's items, the turn's cost.
      { type: 'item.completed', turn_id: 't3', item: { id: 'p', type: 'plan', text: '1. do it' } },
      {
        type: 'item.completed',
        turn_id: 't3',
        item: {
          id: 'e',
          type: 'entered_review_mode',
          review: 'commit abc',
          target: { type: 'commit', sha: 'abc' },
        },
      },
      {
        type: 'item.completed',
        turn_id: 't3',
        item: {
          id: 'x',
          type: 'exited_review_mode',
          review: 'Looks fine.',
          review_id: 'r1',
          model: 'm',
          result: {
            findings: [
              {
                title: 'Off by one',
                body: 'The loop stops early.',
                priority: 1,
                confidence: 0.8,
                location: { path: 'a.ts', line_range: { start: 3, end: 4 } },
              },
            ],
            overall_correctness: 'patch is incorrect',
            overall_explanation: 'One bug.',
            overall_confidence: 0.7,
          },
          notes: [],
        },
      },
      {
        type: 'item.completed',
        turn_id: 't3',
        item: {
          id: 'y',
          type: 'exited_review_mode',
          review: '-',
          review_id: 'r2',
          model: 'm',
          result: null,
          notes: ['unreadable'],
        },
      },
      {
        type: 'turn.completed',
        turn_id: 't3',
        usage,
        cost: { usd: 0.01, uncached_input_usd: 0.005, cached_input_usd: 0.001, output_usd: null },
      },
    ] as unknown as SpoolEvent[];
    const lines = events.flatMap((event) => projector.project(event));
    expect(lines.length).toBeGreaterThan(12);
    for (const line of lines) {
      const parsed = ExecJsonEvent.safeParse(JSON.parse(JSON.stringify(line)));
      expect(parsed.success, `${JSON.stringify(line)} — ${parsed.error?.message}`).toBe(true);
    }
  });
});
