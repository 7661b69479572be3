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
export class PrefixCache {
  private readonly prompts = new Map<string, Uint8Array[]>();

  measure(routingKey: string, prompt: string): PromptAccounting {
    const bytes = Buffer.from(prompt, 'utf8');
    const inputTokens = tokensForBytes(bytes.length);
    let longest = 0;
    for (const earlier of this.prompts.get(routingKey) ?? []) {
      longest = Math.max(longest, commonPrefixBytes(bytes, earlier));
    }
    // Only whole tokens of the shared prefix count, and never more than the input itself.
    const prefixTokens = Math.min(Math.floor(longest / 4), inputTokens);
    return { inputTokens, cachedTokens: cachedTokensForPrefix(prefixTokens) };
  }

  remember(routingKey: string, prompt: string): void {
    const list = this.prompts.get(routingKey) ?? [];
    list.push(Buffer.from(prompt, 'utf8'));
    this.prompts.set(routingKey, list);
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
