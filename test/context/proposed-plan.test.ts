/** The `<proposed_plan>` block a plan-mode answer ends with. */
import { describe, expect, it } from 'vitest';
import { extractProposedPlan, withoutProposedPlan } from '../../src/context/proposed-plan.js';

describe('proposed plans', () => {
  const answer =
    'I looked at the parser.\n\n<proposed_plan>\n# Fix the parser\n\n- step one\n</proposed_plan>\n\nTell me if this works.';

  it('finds the plan and what is left of the message', () => {
    expect(extractProposedPlan(answer)).toBe('# Fix the parser\n\n- step one');
    expect(withoutProposedPlan(answer)).toBe('I looked at the parser.\n\nTell me if this works.');
  });

  it('takes the last complete block, with CRLF and indented tags', () => {
    const text =
      '<proposed_plan>\nold\n</proposed_plan>\r\n  <proposed_plan>\r\nnew plan\r\n  </proposed_plan>';
    expect(extractProposedPlan(text)).toBe('new plan');
    expect(withoutProposedPlan(text)).toBe('');
  });

  it('ignores tags that are not on lines of their own, unclosed blocks and empty plans', () => {
    expect(extractProposedPlan('use <proposed_plan> tags\nlike this </proposed_plan>')).toBeUndefined();
    expect(extractProposedPlan('<proposed_plan>\nnever closed')).toBeUndefined();
    expect(extractProposedPlan('<proposed_plan>\n\n</proposed_plan>')).toBeUndefined();
    expect(withoutProposedPlan('no plan here')).toBe('no plan here');
  });
});
