import { describe, expect, it } from 'vitest';
import { displayOutput, outputPreview } from '../../src/tools/shell/format.js';

describe('outputPreview', () => {
  it('shows short output whole', () => {
    expect(outputPreview('a\nb\nc\n', 3, 2)).toEqual(['a', 'b', 'c']);
    expect(outputPreview('', 3, 2)).toEqual([]);
  });

  it('counts what it leaves out of a kept output', () => {
    const text = `${Array.from({ length: 10 }, (_, i) => `l${i}`).join('\n')}\n`;
    expect(outputPreview(text, 3, 2)).toEqual(['l0', 'l1', 'l2', { more: 5 }, 'l8', 'l9']);
  });

  it('counts from the whole output when its middle was dropped', () => {
    const shown = displayOutput({
      head: '1\n2\n3\n4\n',
      omittedBytes: 200_000_000,
      tail: '24999999\n25000000\n25000001\n',
      totalLines: 25_000_001,
    });
    expect(shown).toContain('[… 200000000 bytes omitted (25000001 lines in all) …]');
    expect(outputPreview(shown, 3, 2)).toEqual(['1', '2', '3', { more: 24_999_996 }, '25000000', '25000001']);
  });

  it('keeps the gap in place when the kept lines are few and long', () => {
    const shown = displayOutput({ head: 'x'.repeat(10), omittedBytes: 5, tail: 'y\nz', totalLines: 3 });
    expect(outputPreview(shown, 3, 2)).toEqual(['xxxxxxxxxx', { more: 0 }, 'y', 'z']);
  });
});
