/**
 * Model providers: the built-in ones (OpenAI, Azure, Ollama, LM Studio, OpenRouter) and any
 * `[model_providers.<id>]` from configuration, which may also adjust a built-in one field by field.
 */

import { expectTypeError } from '../protocol/errors.js';
import type { ModelProviderConfig, SpoolConfig, WireApi } from './schema.js';

export class ProviderError extends Error {}

export interface ResolvedProvider {
  id: string;
  name: string;
  baseURL: string;
  wireApi: WireApi;
  /** The variable the key comes from (named in errors), if the provider takes one. */
  envKey?: string;
  envKeyInstructions?: string;
  apiKey?: string;
  /** A missing key is an error before any request is made. */
  requiresKey: boolean;
  /** Where the base URL is set, named when the server cannot be reached. */
  baseUrlSetting: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  requestMaxRetries?: number;
  streamMaxRetries?: number;
  idleTimeoutMs?: number;
  /** `supports_websockets` (Responses only; off unless configured). */
  supportsWebsockets: boolean;
  websocketConnectTimeoutMs?: number;
}

const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_AZURE_API_VERSION = '2025-04-01-preview';
export const LOCAL_PROVIDERS = ['ollama', 'lmstudio'] as const;

const BUILTIN: Record<string, ModelProviderConfig & { requires_key: boolean }> = {
  openai: { name: 'OpenAI', env_key: 'OPENAI_API_KEY', wire_api: 'responses', requires_key: true },
  azure: {
    name: 'Azure OpenAI',
    env_key: 'AZURE_OPENAI_API_KEY',
    wire_api: 'responses',
    query_params: { 'api-version': DEFAULT_AZURE_API_VERSION },
    requires_key: true,
  },
  ollama: { name: 'Ollama', base_url: 'http://localhost:11434/v1', wire_api: 'chat', requires_key: false },
  lmstudio: {
    name: 'LM Studio',
    base_url: 'http://localhost:1234/v1',
    wire_api: 'chat',
    requires_key: false,
  },
  openrouter: {
    name: 'OpenRouter',
    base_url: 'https://openrouter.ai/api/v1',
    env_key: 'OPENROUTER_API_KEY',
    wire_api: 'chat',
    requires_key: true,
  },
};

function builtinProviderIds(): string[] {
  return Object.keys(BUILTIN);
}

/** Azure wants `https://<resource>.openai.azure.com/openai`; accept the bare resource URL too. */
export function azureBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  try {
    return new URL(trimmed).pathname === '/' ? `${trimmed}/openai` : trimmed;
  } catch (err) {
    expectTypeError(err);
    throw new ProviderError(`the azure base URL "${url}" is not a URL`);
  }
}

function baseUrlFor(
  id: string,
  entry: ModelProviderConfig,
  config: SpoolConfig,
  env: NodeJS.ProcessEnv,
): string {
  if (id === 'openai') {
    return (
      entry.base_url ?? config.openai_base_url ?? (env.OPENAI_BASE_URL?.trim() || DEFAULT_OPENAI_BASE_URL)
    );
  }
  if (id === 'azure') {
    const url = entry.base_url ?? (env.AZURE_OPENAI_ENDPOINT?.trim() || undefined);
    if (!url) {
      throw new ProviderError(
        'the azure provider needs its resource URL: set AZURE_OPENAI_ENDPOINT or model_providers.azure.base_url (https://<resource>.openai.azure.com/openai)',
      );
    }
    return azureBaseUrl(url);
  }
  // A local server elsewhere: the configured URL wins, then SPOOL_OSS_BASE_URL, then the default port.
  const ossOverride = env.SPOOL_OSS_BASE_URL?.trim();
  if ((id === 'ollama' || id === 'lmstudio') && !config.model_providers?.[id]?.base_url && ossOverride) {
    return ossOverride;
  }
  if (!entry.base_url) throw new ProviderError(`model_providers.${id} has no base_url`);
  return entry.base_url;
}

export function resolveProvider(id: string, config: SpoolConfig, env: NodeJS.ProcessEnv): ResolvedProvider {
  const builtin = BUILTIN[id];
  const custom = config.model_providers?.[id];
  if (!builtin && !custom) {
    const known = [...new Set([...builtinProviderIds(), ...Object.keys(config.model_providers ?? {})])].join(
      ', ',
    );
    throw new ProviderError(
      `unknown model_provider "${id}" (known: ${known}); define it under [model_providers.${id}]`,
    );
  }
  const entry: ModelProviderConfig = {
    ...builtin,
    ...custom,
    query_params: { ...builtin?.query_params, ...custom?.query_params },
    http_headers: { ...builtin?.http_headers, ...custom?.http_headers },
  };
  const baseURL = baseUrlFor(id, entry, config, env).replace(/\/+$/, '');
  const envKey = entry.env_key;
  let apiKey = envKey ? env[envKey]?.trim() || undefined : undefined;
  if (!apiKey && id === 'openai') apiKey = env.CODEX_API_KEY?.trim() || undefined;

  const headers: Record<string, string> = { ...entry.http_headers };
  for (const [header, variable] of Object.entries(entry.env_http_headers ?? {})) {
    const value = env[variable]?.trim();
    if (value) headers[header] = value;
  }
  if (id === 'azure' && apiKey) headers['api-key'] = apiKey;

  // A custom provider with an env_key needs it; OpenAI needs one only at its own endpoint.
  const requiresKey =
    id === 'openai'
      ? baseURL === DEFAULT_OPENAI_BASE_URL
      : builtin
        ? builtin.requires_key
        : envKey !== undefined;

  return {
    id,
    name: entry.name ?? id,
    baseURL,
    wireApi: entry.wire_api ?? 'responses',
    envKey,
    envKeyInstructions: entry.env_key_instructions,
    apiKey,
    requiresKey,
    baseUrlSetting: baseUrlSettingFor(id),
    headers,
    query: entry.query_params ?? {},
    requestMaxRetries: entry.request_max_retries,
    streamMaxRetries: entry.stream_max_retries,
    idleTimeoutMs: entry.stream_idle_timeout_ms,
    supportsWebsockets: entry.supports_websockets === true && (entry.wire_api ?? 'responses') === 'responses',
    websocketConnectTimeoutMs: entry.websocket_connect_timeout_ms,
  };
}

/** The settings that move a provider's base URL, for messages. */
function baseUrlSettingFor(id: string): string {
  if (id === 'openai') return 'OPENAI_BASE_URL or -c openai_base_url=URL';
  if (id === 'azure') return 'AZURE_OPENAI_ENDPOINT or model_providers.azure.base_url';
  if (id === 'ollama' || id === 'lmstudio') return `SPOOL_OSS_BASE_URL or model_providers.${id}.base_url`;
  return `model_providers.${id}.base_url`;
}

/** Why the provider cannot be used as configured, or undefined. */
export function missingKeyMessage(provider: ResolvedProvider): string | undefined {
  if (!provider.requiresKey || provider.apiKey) return undefined;
  const how = provider.envKeyInstructions ? ` ${provider.envKeyInstructions}` : '';
  return `no API key for ${provider.name}: set ${provider.envKey ?? 'the provider key variable'}.${how}`;
}
