/**
 * From configuration layers and command-line flags to what a thread runs with: its settings and
 * the model endpoint. Precedence: flags > `-c` overrides > profile > config file > defaults.
 */
import path from 'node:path';
import type { ThreadSettings } from '../agent/settings.js';
import { DEFAULT_TURN_RETRY } from '../agent/turn.js';
import { BASE_INSTRUCTIONS } from '../context/base-instructions.js';
import { DEFAULT_MODEL, modelInfo } from '../model/catalog.js';
import type { HttpEndpoint } from '../model/responses-client.js';
import { DEFAULT_SHELL_ENVIRONMENT_POLICY, filterShellEnvironment } from '../sandbox/environment.js';
import type { SandboxMode } from '../sandbox/policy.js';
import { spoolHome } from './home.js';
import { type ConfigOverride, parseOverride, setPath } from './overrides.js';
import { type SpoolConfig, SpoolConfig as SpoolConfigSchema, type WireApi } from './schema.js';

export interface CliFlags {
  model?: string;
  sandbox?: SandboxMode;
  cwd?: string;
  /** Raw `-c key=value` strings, in order. */
  config?: string[];
  /** `--dangerously-bypass-approvals-and-sandbox` */
  bypass?: boolean;
  outputSchema?: Record<string, unknown>;
  /** Front-end default approval policy (exec: never), below every configured value. */
  defaultApprovalPolicy?: ThreadSettings['approvalPolicy'];
}

export class ConfigError extends Error {}

export interface Runtime {
  config: SpoolConfig;
  settings: ThreadSettings;
  endpoint: HttpEndpoint;
  wireApi: WireApi;
  providerId: string;
}

const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

function describeIssues(error: import('zod').ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.');
      if (issue.code === 'unrecognized_keys')
        return `${source}: unknown key(s) ${issue.keys.join(', ')}${where ? ` in ${where}` : ''}`;
      return `${source}: ${where || 'value'}: ${issue.message.replace(/^Invalid input: /, '')}`;
    })
    .join('\n');
}

/** Applies `-c` overrides on top of a config object, validating the result. */
export function applyOverrides(base: SpoolConfig, overrides: ConfigOverride[]): SpoolConfig {
  const merged = structuredClone(base) as Record<string, unknown>;
  for (const override of overrides) setPath(merged, override.path, override.value);
  const parsed = SpoolConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const sources = overrides.map((o) => o.source).join(' ');
    throw new ConfigError(describeIssues(parsed.error, sources || 'configuration'));
  }
  return parsed.data;
}

export function resolveRuntime(
  flags: CliFlags,
  env: NodeJS.ProcessEnv = process.env,
  base: SpoolConfig = {},
): Runtime {
  let overrides: ConfigOverride[];
  try {
    overrides = (flags.config ?? []).map(parseOverride);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const config = applyOverrides(base, overrides);
  const home = spoolHome(env);
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const model = flags.model ?? config.model ?? DEFAULT_MODEL;
  const info = modelInfo(model);

  const providerId = config.model_provider ?? 'openai';
  const provider = config.model_providers?.[providerId];
  if (providerId !== 'openai' && !provider) {
    throw new ConfigError(
      `model_provider "${providerId}" is not defined (add [model_providers.${providerId}])`,
    );
  }
  const envKey = provider?.env_key ?? 'OPENAI_API_KEY';
  const apiKey =
    env[envKey]?.trim() || (envKey === 'OPENAI_API_KEY' ? env.CODEX_API_KEY?.trim() : undefined) || undefined;
  const baseURL =
    provider?.base_url ?? config.openai_base_url ?? env.OPENAI_BASE_URL?.trim() ?? DEFAULT_OPENAI_BASE_URL;

  const sandboxMode: SandboxMode = flags.bypass
    ? 'danger-full-access'
    : (flags.sandbox ?? config.sandbox_mode ?? 'read-only');
  const workspace = config.sandbox_workspace_write ?? {};
  const shellPolicy = config.shell_environment_policy ?? {};

  const settings: ThreadSettings = {
    model,
    cwd,
    baseInstructions: config.base_instructions ?? BASE_INSTRUCTIONS,
    developerInstructions: config.developer_instructions,
    sandbox: {
      mode: sandboxMode,
      writableRoots: (workspace.writable_roots ?? []).map((root) => path.resolve(cwd, root)),
      networkAccess: workspace.network_access ?? false,
      excludeTmpdirEnvVar: workspace.exclude_tmpdir_env_var ?? false,
      excludeSlashTmp: workspace.exclude_slash_tmp ?? false,
    },
    approvalPolicy: flags.bypass
      ? 'never'
      : (config.approval_policy ?? flags.defaultApprovalPolicy ?? 'on-request'),
    bypassSandbox: flags.bypass ?? false,
    shellEnv: filterShellEnvironment(env, {
      inherit: shellPolicy.inherit ?? DEFAULT_SHELL_ENVIRONMENT_POLICY.inherit,
      excludeSecrets: !(shellPolicy.ignore_default_excludes ?? false),
      exclude: shellPolicy.exclude ?? [],
      set: shellPolicy.set ?? {},
      includeOnly: shellPolicy.include_only ?? [],
    }),
    reasoning: info.reasoning
      ? {
          effort: config.model_reasoning_effort ?? 'medium',
          summary: config.model_reasoning_summary ?? 'auto',
        }
      : undefined,
    verbosity: config.model_verbosity,
    outputSchema: flags.outputSchema,
    parallelToolCalls: true,
    retry: {
      ...DEFAULT_TURN_RETRY,
      requestMaxRetries:
        provider?.request_max_retries ?? config.request_max_retries ?? DEFAULT_TURN_RETRY.requestMaxRetries,
      streamMaxRetries:
        provider?.stream_max_retries ?? config.stream_max_retries ?? DEFAULT_TURN_RETRY.streamMaxRetries,
    },
    spoolHome: home,
    projectDocMaxBytes: config.project_doc_max_bytes ?? 32 * 1024,
    projectDocFallbackFilenames: config.project_doc_fallback_filenames ?? [],
  };

  const endpoint: HttpEndpoint = {
    baseURL: baseURL.replace(/\/+$/, ''),
    apiKey,
    headers: provider?.http_headers,
    query: provider?.query_params,
    idleTimeoutMs: provider?.stream_idle_timeout_ms ?? config.stream_idle_timeout_ms ?? 300_000,
    errorContext: {
      apiKeyEnvVar: envKey,
      providerName: provider?.name ?? (providerId === 'openai' ? 'OpenAI' : providerId),
    },
  };
  return { config, settings, endpoint, wireApi: provider?.wire_api ?? 'responses', providerId };
}
