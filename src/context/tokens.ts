/**
 * Token estimates for what has not been sent yet: about 4 bytes of JSON per token. The thread
 * calibrates this against the provider's reported usage (see Thread.contextTokens).
 */
export function estimateTokens(value: unknown): number {
  const json = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return Math.ceil(Buffer.byteLength(json, 'utf8') / 4);
}
