/**
 * Token and prefix-cache accounting, shaped like OpenAI's.
 *
 * Tokens are estimated as ceil(bytes / 4) of a canonical rendering of the prompt. The rendering puts
 * the static parts first (instructions, tools) and the conversation last, and sorts object keys:
 * the provider parses items and renders them itself, so the key order a client happens to send does
 * not reach the cache, but the order of items and the bytes of every value do.
 *
 * The prefix cache mirrors OpenAI's documented behaviour: a request reuses the longest prefix it
 * shares with an earlier request routed to the same cache (same model and `prompt_cache_key`), hits
 * start at 1,024 tokens and grow in steps of 128.
 */

import { createHash } from 'node:crypto';

export const CACHE_MIN_TOKENS = 1024;
export const CACHE_STEP_TOKENS = 128;

/** JSON with object keys sorted at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The token estimate of `bytes` bytes: ceil(bytes / 4). */
export function tokensForBytes(bytes: number): number {
  return Math.ceil(bytes / 4);
}

export function estimateTokens(text: string): number {
  return tokensForBytes(byteLength(text));
}

/** The rendered prompt of a Responses request (`/responses`, `/responses/compact`). */
export function renderResponsesPrompt(body: Record<string, unknown>): string {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  return [
    canonicalJson(body.instructions ?? ''),
    canonicalJson(body.tools ?? []),
    canonicalJson(input ?? []),
  ].join('\n');
}

/**
 * The rendered prompt of a Chat Completions request. Tools are rendered before the messages, as
 * chat templates put them in the system prompt, so a changed tool list invalidates the cache.
 */
export function renderChatPrompt(body: Record<string, unknown>): string {
  return [canonicalJson(body.tools ?? []), canonicalJson(body.messages ?? [])].join('\n');
}

/** Length in bytes of the longest common prefix of two byte strings. */
export function commonPrefixBytes(a: Uint8Array, b: Uint8Array): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a[i] === b[i]) i++;
  return i;
}

/** Cached tokens for a shared prefix of `prefixTokens`: 0 below 1,024, else a multiple of 128. */
export function cachedTokensForPrefix(prefixTokens: number): number {
  if (prefixTokens < CACHE_MIN_TOKENS) return 0;
  return Math.floor(prefixTokens / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS;
}

export interface PromptAccounting {
  inputTokens: number;
  cachedTokens: number;
}

/**
 * One emulator's prefix cache: the prompts it has processed, grouped by cache routing key.
 * `measure` computes usage without remembering; `remember` adds a processed prompt.
 */
/** Bytes per cache step: 128 tokens of 4 bytes. */
const BLOCK_BYTES = CACHE_STEP_TOKENS * 4;

/**
 * Chained hashes of a prompt's whole 512-byte blocks: entry i identifies the prefix of i+1 blocks.
 * Two prompts share a prefix of k whole blocks exactly when their first k chain hashes are equal.
 */
function blockChain(bytes: Uint8Array): string[] {
  const chain: string[] = [];
  const hash = createHash('sha1');
  for (let end = BLOCK_BYTES; end <= bytes.length; end += BLOCK_BYTES) {
    hash.update(bytes.subarray(end - BLOCK_BYTES, end));
    chain.push(hash.copy().digest('base64'));
  }
  return chain;
}

/**
 * OpenAI-like prefix cache per routing key. Cached tokens count whole 128-token steps of the longest
 * prefix shared with an earlier prompt, so it is enough to remember the chain hashes of whole
 * 512-byte blocks: linear in the prompt, whatever the number of earlier prompts.
 * (floor(floor(bytes/4)/128) = floor(bytes/512): the same figure as a byte-exact comparison.)
 */
export class PrefixCache {
  private readonly seen = new Map<string, Set<string>>();

  measure(routingKey: string, prompt: string): PromptAccounting {
    const bytes = Buffer.from(prompt, 'utf8');
    const inputTokens = tokensForBytes(bytes.length);
    const known = this.seen.get(routingKey);
    let blocks = 0;
    if (known) {
      for (const link of blockChain(bytes)) {
        if (!known.has(link)) break;
        blocks++;
      }
    }
    const prefixTokens = Math.min(blocks * CACHE_STEP_TOKENS, inputTokens);
    return { inputTokens, cachedTokens: cachedTokensForPrefix(prefixTokens) };
  }

  remember(routingKey: string, prompt: string): void {
    let known = this.seen.get(routingKey);
    if (!known) {
      known = new Set();
      this.seen.set(routingKey, known);
    }
    for (const link of blockChain(Buffer.from(prompt, 'utf8'))) known.add(link);
  }
}

/** The cache a Responses request is routed to: its model and `prompt_cache_key`. */
export function responsesRoutingKey(body: Record<string, unknown>): string {
  return `responses\u0000${String(body.model ?? '')}\u0000${String(body.prompt_cache_key ?? '')}`;
}

/** The cache a Chat request is routed to: its model and `prompt_cache_key`, else `user`. */
export function chatRoutingKey(body: Record<string, unknown>): string {
  return `chat\u0000${String(body.model ?? '')}\u0000${String(body.prompt_cache_key ?? body.user ?? '')}`;
}
