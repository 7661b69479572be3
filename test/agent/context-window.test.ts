/** What a thread learns about its model's real context window from the server's refusals (pure). */
import { describe, expect, it } from 'vitest';
import { ContextWindowKnowledge } from '../../src/agent/context-window.js';
import { windowNamedIn } from '../../src/model/errors.js';

describe('learning the window', () => {
  it('reads the size a refusal names', () => {
    expect(
      windowNamedIn(
        "This model's maximum context length is 20000 tokens. However, your messages resulted in 20500 tokens.",
      ),
    ).toBe(20_000);
    expect(windowNamedIn('prompt is too long: 210,000 tokens > 200,000 maximum')).toBe(200_000);
    expect(windowNamedIn('Your input exceeds the context window of this model.')).toBeUndefined();
  });

  it('lowers the window under a refused request, never below what was accepted, faster when refused again', () => {
    const knowledge = new ContextWindowKnowledge();
    knowledge.accepted(19_000);
    expect(knowledge.refused(32_000, 20_200)).toBe(19_000);
    // A later refusal of a bigger request says nothing new about a window already smaller.
    expect(knowledge.refused(19_000, 30_000)).toBeUndefined();
    const fresh = new ContextWindowKnowledge();
    expect(fresh.refused(32_000, 30_000)).toBe(27_000);
    // Refused again at the learned size: the estimate was generous, shrink faster.
    expect(fresh.refused(27_000, 27_000)).toBe(20_250);
    expect(new ContextWindowKnowledge().refused(32_000, 40_000, 20_000)).toBe(20_000);
    expect(new ContextWindowKnowledge().refused(32_000, 20_000)).toBe(18_000);
    expect(new ContextWindowKnowledge().refused(16_000, 20_000)).toBeUndefined();
  });
});
