/**
 * `--oss`: use a local model server. Picks the first of Ollama and LM Studio that answers
 * `GET /models`, honouring configured base URLs and `SPOOL_OSS_BASE_URL`.
 */

import { ConfigError } from './load.js';
import { LOCAL_PROVIDERS, resolveProvider } from './providers.js';
import { type CliFlags, loadEffectiveConfig } from './runtime.js';

async function answers(baseURL: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch (err) {
    // Refused, unreachable (fetch's TypeError) or too slow (a TimeoutError): not running.
    if (!(err instanceof TypeError) && !(err instanceof DOMException)) throw err;
    return false;
  }
}

export async function detectLocalProvider(
  flags: CliFlags,
  env: NodeJS.ProcessEnv,
  timeoutMs = 800,
): Promise<string> {
  const { config } = loadEffectiveConfig(flags, env);
  const tried: string[] = [];
  for (const id of LOCAL_PROVIDERS) {
    const provider = resolveProvider(id, config, env);
    tried.push(`${provider.name} at ${provider.baseURL}`);
    if (await answers(provider.baseURL, timeoutMs)) return id;
  }
  throw new ConfigError(
    `--oss: no local model server answered (${tried.join(', ')}). Start one, or set SPOOL_OSS_BASE_URL.`,
  );
}
