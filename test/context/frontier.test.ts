/** Fitting a compaction request into a window smaller than the history (pure). */
import { describe, expect, it } from 'vitest';
import { isContextMessage } from '../../src/context/checkpoint.js';
import { fitCompactionInput } from '../../src/context/frontier.js';
import { estimateTokens } from '../../src/context/tokens.js';
import type { HistoryItem } from '../../src/protocol/items.js';
import { userText } from '../../src/protocol/items.js';

const head: HistoryItem[] = [
  {
    type: 'message',
    role: 'developer',
    content: [{ type: 'input_text', text: '<permissions>rules</permissions>' }],
  },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: '# AGENTS.md: never use tabs' }] },
];

function step(i: number, output = 'x'.repeat(1200)): HistoryItem[] {
  return [
    {
      type: 'custom_tool_call',
      name: 'apply_patch',
      input: `*** Begin Patch\n*** Add File: src/file_${i}.ts\n+x\n*** End Patch`,
      call_id: `c${i}`,
    },
    { type: 'custom_tool_call_output', call_id: `c${i}`, output },
  ];
}

const history: HistoryItem[] = [
  ...head,
  userText('Port the parser to TypeScript, keeping the tests green.'),
  ...Array.from({ length: 40 }, (_, i) => step(i)).flat(),
];

describe('fitCompactionInput', () => {
  it('sends a history that fits as it is', () => {
    const fitted = fitCompactionInput(history, 2, estimateTokens(history) + 10);
    expect(fitted).toEqual({ input: history, dropped: 0 });
  });

  it('leaves out the oldest items, keeps the rules, the recent steps and a frontier with the goal and every file', () => {
    const budget = 4_000;
    const fitted = fitCompactionInput(history, 2, budget);
    expect(estimateTokens(fitted.input)).toBeLessThanOrEqual(budget);
    expect(fitted.dropped).toBeGreaterThan(0);
    expect(fitted.input.slice(0, 2)).toEqual(head);
    expect(fitted.input.at(-1)).toEqual(history.at(-1));
    const frontier = fitted.input[2]!;
    expect(frontier).toBe(fitted.frontier);
    expect(isContextMessage(frontier)).toBe(true);
    const text = JSON.stringify(frontier);
    expect(text).toContain('Port the parser to TypeScript');
    expect(text).toContain('src/file_0.ts');
    expect(text).toContain('src/file_39.ts');
    // Calls and outputs stay paired.
    const calls = new Set(
      fitted.input.flatMap((item) => (item.type === 'custom_tool_call' ? [item.call_id] : [])),
    );
    const outputs = fitted.input.flatMap((item) =>
      item.type === 'custom_tool_call_output' ? [item.call_id] : [],
    );
    expect(outputs.every((id) => calls.has(id))).toBe(true);
  });

  it('cuts one huge tool output in the middle before it crowds out everything else', () => {
    const huge: HistoryItem[] = [...head, userText('go'), ...step(1, 'y'.repeat(400_000)), ...step(2)];
    const fitted = fitCompactionInput(huge, 2, 6_000);
    expect(fitted.dropped).toBe(0);
    expect(estimateTokens(fitted.input)).toBeLessThanOrEqual(6_000);
    expect(JSON.stringify(fitted.input)).toMatch(/bytes omitted/);
  });
});
