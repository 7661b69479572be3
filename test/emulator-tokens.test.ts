import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cachedTokensForPrefix,
  canonicalJson,
  commonPrefixBytes,
  estimateTokens,
  PrefixCache,
  renderChatPrompt,
  renderResponsesPrompt,
  responsesRoutingKey,
} from './emulator/tokens.js';

describe('emulator token accounting', () => {
  it('renders JSON with sorted keys at every depth, keeping array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('estimates tokens as ceil(bytes / 4), counting UTF-8 bytes', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('é')).toBe(1); // 2 bytes
    expect(estimateTokens('😀😀😀')).toBe(3); // 12 bytes
  });

  it('counts cache hits from 1,024 tokens in steps of 128', () => {
    expect(cachedTokensForPrefix(0)).toBe(0);
    expect(cachedTokensForPrefix(1023)).toBe(0);
    expect(cachedTokensForPrefix(1024)).toBe(1024);
    expect(cachedTokensForPrefix(1151)).toBe(1024);
    expect(cachedTokensForPrefix(1152)).toBe(1152);
    expect(cachedTokensForPrefix(5000)).toBe(4992);
  });

  it('finds the common byte prefix', () => {
    expect(commonPrefixBytes(Buffer.from('abcdef'), Buffer.from('abcxyz'))).toBe(3);
    expect(commonPrefixBytes(Buffer.from('abc'), Buffer.from('abcdef'))).toBe(3);
    expect(commonPrefixBytes(Buffer.from(''), Buffer.from('a'))).toBe(0);
  });

  it('renders static parts before the conversation, independent of client key order', () => {
    const a = renderResponsesPrompt({
      input: [{ type: 'message', role: 'user' }],
      instructions: 'I',
      tools: [],
    });
    const b = renderResponsesPrompt({
      tools: [],
      instructions: 'I',
      input: [{ role: 'user', type: 'message' }],
    });
    expect(a).toBe(b);
    expect(a.indexOf('"I"')).toBeLessThan(a.indexOf('message'));
    const chat = renderChatPrompt({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function' }],
    });
    expect(chat.indexOf('function')).toBeLessThan(chat.indexOf('hi'));
  });

  describe('PrefixCache', () => {
    const long = 'x'.repeat(8000); // 2,000 tokens
    const key = responsesRoutingKey({ model: 'm', prompt_cache_key: 'thread-1' });

    it('gives nothing to a first request, and to anything until it is remembered', () => {
      const cache = new PrefixCache();
      expect(cache.measure(key, long)).toEqual({ inputTokens: 2000, cachedTokens: 0 });
      expect(cache.measure(key, long).cachedTokens).toBe(0);
    });

    it('reuses the longest shared prefix in 128-token steps', () => {
      const cache = new PrefixCache();
      cache.remember(key, long);
      expect(cache.measure(key, long)).toEqual({ inputTokens: 2000, cachedTokens: 1920 });
      expect(cache.measure(key, `${long}more text`).cachedTokens).toBe(1920);
      // Sharing 4,500 bytes = 1,125 tokens → 1,024.
      expect(cache.measure(key, `${'x'.repeat(4500)}y${'x'.repeat(3499)}`).cachedTokens).toBe(1024);
      // Sharing under 1,024 tokens → nothing.
      expect(cache.measure(key, `${'x'.repeat(4000)}y${long}`).cachedTokens).toBe(0);
    });

    it('compares against the best of all earlier prompts of the same key only', () => {
      const cache = new PrefixCache();
      cache.remember(key, `${'x'.repeat(5000)}A`);
      cache.remember(key, `${'x'.repeat(7000)}B`);
      expect(cache.measure(key, `${'x'.repeat(7000)}C`).cachedTokens).toBe(1664); // 1,750 → 1,664
      const other = responsesRoutingKey({ model: 'm', prompt_cache_key: 'thread-2' });
      expect(cache.measure(other, `${'x'.repeat(7000)}C`).cachedTokens).toBe(0);
      const otherModel = responsesRoutingKey({ model: 'n', prompt_cache_key: 'thread-1' });
      expect(cache.measure(otherModel, `${'x'.repeat(7000)}C`).cachedTokens).toBe(0);
    });
  });
});

describe('PrefixCache agrees with a byte-by-byte comparison', () => {
  it('on random prompts that share random prefixes', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 9000 }),
        fc.array(fc.tuple(fc.nat(9000), fc.string({ maxLength: 3000 })), { minLength: 1, maxLength: 5 }),
        (base, variants) => {
          const cache = new PrefixCache();
          const earlier: Buffer[] = [];
          const prompts = [base, ...variants.map(([cut, tail]) => base.slice(0, cut) + tail)];
          for (const prompt of prompts) {
            const bytes = Buffer.from(prompt, 'utf8');
            const longest = Math.max(0, ...earlier.map((e) => commonPrefixBytes(bytes, e)));
            const inputTokens = Math.ceil(bytes.length / 4);
            const expected = cachedTokensForPrefix(Math.min(Math.floor(longest / 4), inputTokens));
            expect(cache.measure('k', prompt).cachedTokens).toBe(expected);
            cache.remember('k', prompt);
            earlier.push(bytes);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
