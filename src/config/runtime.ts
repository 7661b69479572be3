/**
 * From configuration layers and command-line flags to what a thread runs with: its settings and
 * the model endpoint. Precedence: flags > `-c` overrides > profile > config.toml > defaults.
 */
import path from 'node:path';
import { BASE_INSTRUCTIONS } from '../context/base-instructions.js';
import { catalogBudgetChars } from '../context/skills/catalog.js';
import { chatReasoningConflict, DEFAULT_MODEL, modelInfo } from '../model/catalog.js';
import type { HttpEndpoint } from '../model/endpoint.js';
import type { ApprovalPolicy, SandboxMode } from '../protocol/policy.js';
import type { OutputSchema, SkillsSettings, ThreadSettings } from '../protocol/settings.js';
import { filterShellEnvironment } from '../sandbox/environment.js';
import { spoolHome } from './home.js';
import { type Layer, mergeLayers } from './layers.js';
import { ConfigError, loadConfigFile, validateConfig } from './load.js';
import { type ConfigOverride, OverrideError, parseOverride, setPath } from './overrides.js';
import { ProviderError, type ResolvedProvider, resolveProvider } from './providers.js';
import { DEFAULT_TURN_RETRY } from './retry.js';
import type { SpoolConfig, WireApi } from './schema.js';
import { DEFAULT_TOOL_LIMITS } from './tool-limits.js';

export interface CliFlags {
  model?: string;
  sandbox?: SandboxMode;
  approvalPolicy?: ApprovalPolicy;
  cwd?: string;
  profile?: string;
  /** Raw `-c key=value` strings, in order. */
  config?: string[];
  /** A provider id chosen on the command line (`--oss` resolves to one). */
  provider?: string;
  /** `--dangerously-bypass-approvals-and-sandbox` */
  bypass?: boolean;
  /** Extra writable roots (`--add-dir`). */
  addDirs?: string[];
  outputSchema?: OutputSchema;
  /** `--plan`: start in plan mode (nothing may be written; docs/plan-mode.md). */
  plan?: boolean;
}

/** Defaults that depend on the front end (exec never asks; the TUI asks on request). */
export interface FrontEndDefaults {
  approvalPolicy: ApprovalPolicy;
}

export interface EffectiveConfig {
  config: SpoolConfig;
  /** Dotted key → where its value came from. */
  sources: Map<string, string>;
  warnings: string[];
  home: string;
  profile?: string;
  configFile: string;
}

export interface Runtime extends EffectiveConfig {
  settings: ThreadSettings;
  endpoint: HttpEndpoint;
  wireApi: WireApi;
  providerId: string;
  provider: ResolvedProvider;
}

const DEFAULTS = (frontEnd: FrontEndDefaults): SpoolConfig => ({
  model: DEFAULT_MODEL,
  model_provider: 'openai',
  approval_policy: frontEnd.approvalPolicy,
  sandbox_mode: 'read-only',
  project_doc_max_bytes: 32 * 1024,
  stream_idle_timeout_ms: 300_000,
  request_max_retries: DEFAULT_TURN_RETRY.requestMaxRetries,
  stream_max_retries: DEFAULT_TURN_RETRY.streamMaxRetries,
});

function overridesObject(overrides: ConfigOverride[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const override of overrides) setPath(values, override.path, override.value);
  return values;
}

function withoutProfiles(config: SpoolConfig): Record<string, unknown> {
  const { profiles: _profiles, profile: _profile, ...rest } = config;
  return rest;
}

/** Loads and merges every layer. Throws ConfigError with file:line:column on bad input. */
export function loadEffectiveConfig(
  flags: CliFlags,
  env: NodeJS.ProcessEnv,
  frontEnd: FrontEndDefaults = { approvalPolicy: 'on-request' },
): EffectiveConfig {
  const home = spoolHome(env);
  const file = loadConfigFile(home);
  let overrides: ConfigOverride[];
  try {
    overrides = (flags.config ?? []).map(parseOverride);
  } catch (err) {
    if (err instanceof OverrideError) throw new ConfigError(err.message);
    throw err;
  }
  // Each override is checked on its own, so an error names the exact flag.
  const overrideWarnings: string[] = [];
  for (const override of overrides) {
    overrideWarnings.push(...validateConfig(overridesObject([override]), override.source).warnings);
  }
  const cli = validateConfig(overridesObject(overrides), '-c overrides');
  const profile = flags.profile ?? cli.config.profile ?? file.config.profile;
  let profileValues: Record<string, unknown> = {};
  if (profile !== undefined) {
    const found = file.config.profiles?.[profile];
    if (!found) {
      const known = Object.keys(file.config.profiles ?? {});
      throw new ConfigError(
        `profile "${profile}" is not defined in ${file.file}${known.length ? ` (profiles: ${known.join(', ')})` : ''}`,
      );
    }
    profileValues = found;
  }
  const flagValues: Record<string, unknown> = {
    model: flags.model,
    sandbox_mode: flags.bypass ? 'danger-full-access' : flags.sandbox,
    approval_policy: flags.bypass ? 'never' : flags.approvalPolicy,
    model_provider: flags.provider,
  };
  const layers: Layer[] = [
    { source: 'default', values: DEFAULTS(frontEnd) },
    { source: file.file, values: withoutProfiles(file.config) },
    { source: `profile ${profile}`, values: profileValues },
    { source: '-c', values: withoutProfiles(cli.config) },
    { source: 'command line', values: flagValues },
  ];
  const merged = mergeLayers(layers);
  const config = validateConfig(merged.values, 'configuration').config;
  return {
    config,
    sources: merged.sources,
    warnings: [...file.warnings, ...overrideWarnings],
    home,
    profile,
    configFile: file.file,
  };
}

function resolveRuntime(effective: EffectiveConfig, flags: CliFlags, env: NodeJS.ProcessEnv): Runtime {
  const { config } = effective;
  const cwd = path.resolve(flags.cwd ?? process.cwd());
  const model = config.model ?? DEFAULT_MODEL;
  const info = modelInfo(model);
  const contextWindow = config.model_context_window ?? info.contextWindow;
  const providerId = config.model_provider ?? 'openai';
  let provider: ResolvedProvider;
  try {
    provider = resolveProvider(providerId, config, env);
  } catch (err) {
    if (err instanceof ProviderError) throw new ConfigError(err.message);
    throw err;
  }

  const reasoning = reasoningSettings(model, config, provider.wireApi, providerId);
  const workspace = config.sandbox_workspace_write ?? {};
  const shellPolicy = config.shell_environment_policy ?? {};
  const bypass = flags.bypass ?? false;

  const settings: ThreadSettings = {
    model,
    cwd,
    baseInstructions: config.base_instructions ?? BASE_INSTRUCTIONS,
    developerInstructions: config.developer_instructions,
    sandbox: {
      mode: config.sandbox_mode ?? 'read-only',
      writableRoots: [...(workspace.writable_roots ?? []), ...(flags.addDirs ?? [])].map((root) =>
        path.resolve(cwd, root),
      ),
      networkAccess: workspace.network_access ?? false,
      excludeTmpdirEnvVar: workspace.exclude_tmpdir_env_var ?? false,
      excludeSlashTmp: workspace.exclude_slash_tmp ?? false,
    },
    approvalPolicy: config.approval_policy ?? 'on-request',
    bypassSandbox: bypass,
    shellEnv: filterShellEnvironment(env, {
      inherit: shellPolicy.inherit ?? 'all',
      excludeSecrets: !(shellPolicy.ignore_default_excludes ?? false),
      exclude: shellPolicy.exclude ?? [],
      set: shellPolicy.set ?? {},
      includeOnly: shellPolicy.include_only ?? [],
      // Whatever names this configuration reads credentials from are credentials too.
      secretNames: [
        ...Object.values(config.model_providers ?? {}).flatMap((p) => (p.env_key ? [p.env_key] : [])),
        ...Object.values(config.mcp_servers ?? {}).flatMap((s) =>
          s.bearer_token_env_var ? [s.bearer_token_env_var] : [],
        ),
      ],
    }),
    reasoning: reasoning.settings,
    verbosity: config.model_verbosity,
    outputSchema: flags.outputSchema,
    parallelToolCalls: true,
    retry: {
      ...DEFAULT_TURN_RETRY,
      requestMaxRetries:
        provider.requestMaxRetries ?? config.request_max_retries ?? DEFAULT_TURN_RETRY.requestMaxRetries,
      streamMaxRetries:
        provider.streamMaxRetries ?? config.stream_max_retries ?? DEFAULT_TURN_RETRY.streamMaxRetries,
    },
    spoolHome: effective.home,
    projectDocMaxBytes: config.project_doc_max_bytes ?? 32 * 1024,
    projectDocFallbackFilenames: config.project_doc_fallback_filenames ?? [],
    shellSnapshot: config.features?.shell_snapshot ?? true,
    toolLimits: {
      argumentsMaxBytes: config.tool_arguments_max_bytes ?? DEFAULT_TOOL_LIMITS.argumentsMaxBytes,
      patchFileMaxBytes: config.apply_patch_max_file_bytes ?? DEFAULT_TOOL_LIMITS.patchFileMaxBytes,
    },
    contextWindow,
    autoCompactTokenLimit: Math.min(
      config.model_auto_compact_token_limit ?? Math.floor(contextWindow * 0.9),
      contextWindow,
    ),
    compaction: 'auto',
    ...pricesAndBudget(config),
    skills: skillsSettings(config, env, contextWindow),
    ...(flags.plan ? { collaborationMode: 'plan' as const } : {}),
    userInputInDefaultMode: config.features?.default_mode_request_user_input === true,
  };

  const endpoint: HttpEndpoint = {
    baseURL: provider.baseURL,
    apiKey: provider.apiKey,
    headers: provider.headers,
    query: provider.query,
    idleTimeoutMs: provider.idleTimeoutMs ?? config.stream_idle_timeout_ms ?? 300_000,
    errorContext: {
      apiKeyEnvVar: provider.envKey ?? 'the provider key',
      providerName: provider.name,
      baseURL: provider.baseURL,
      baseUrlSetting: provider.baseUrlSetting,
    },
    maxToolInputBytes: settings.toolLimits?.argumentsMaxBytes,
    ...(provider.supportsWebsockets
      ? {
          supportsWebsockets: true,
          ...(provider.websocketConnectTimeoutMs !== undefined
            ? { websocketConnectTimeoutMs: provider.websocketConnectTimeoutMs }
            : {}),
        }
      : {}),
  };
  return {
    ...effective,
    warnings: [...effective.warnings, ...reasoning.warnings],
    settings,
    endpoint,
    wireApi: provider.wireApi,
    providerId,
    provider,
  };
}

/** `[model_prices.*]` and the spend caps, as thread settings. */
function pricesAndBudget(config: SpoolConfig): Pick<ThreadSettings, 'modelPrices' | 'budget'> {
  const modelPrices = Object.fromEntries(
    Object.entries(config.model_prices ?? {}).map(([model, p]) => [
      model,
      {
        input: p.input,
        cachedInput: p.cached_input ?? p.input,
        output: p.output,
        ...(p.per_generation !== undefined ? { perGeneration: p.per_generation } : {}),
        ...(p.per_second !== undefined ? { perSecond: p.per_second } : {}),
      },
    ]),
  );
  const caps = (maxCostUsd: number | undefined, maxTokens: number | undefined) =>
    maxCostUsd === undefined && maxTokens === undefined
      ? undefined
      : {
          ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
          ...(maxTokens !== undefined ? { maxTokens } : {}),
        };
  const session = caps(config.max_cost_usd, config.max_tokens);
  const turn = caps(config.max_turn_cost_usd, config.max_turn_tokens);
  return {
    ...(Object.keys(modelPrices).length > 0 ? { modelPrices } : {}),
    ...(session || turn ? { budget: { ...(session ? { session } : {}), ...(turn ? { turn } : {}) } } : {}),
  };
}

/** Where skills are found and the catalog's budget (docs/skills.md). */
function skillsSettings(config: SpoolConfig, env: NodeJS.ProcessEnv, contextWindow: number): SkillsSettings {
  const skills = config.skills ?? {};
  return {
    enabled: skills.enabled !== false,
    ...(env.HOME ? { userHome: env.HOME } : {}),
    ...(env.CODEX_HOME ? { codexHome: env.CODEX_HOME } : {}),
    catalogBudgetChars: catalogBudgetChars({
      contextWindow,
      ...(skills.catalog_window_percent !== undefined
        ? { windowPercent: skills.catalog_window_percent }
        : {}),
      ...(skills.catalog_max_chars !== undefined ? { maxChars: skills.catalog_max_chars } : {}),
    }),
    disabledPaths: (skills.config ?? [])
      .filter((entry) => !entry.enabled)
      .map((entry) => path.resolve(entry.path)),
  };
}

/**
 * The reasoning parameters for `model`. On Chat Completions, families the provider refuses with
 * function tools unless `reasoning_effort` is "none" (a catalog fact) run with "none" and a
 * warning; an effort the user set explicitly is not silently changed but refused, with the fix.
 */
function reasoningSettings(
  model: string,
  config: SpoolConfig,
  wireApi: WireApi,
  providerId: string,
): { settings: ThreadSettings['reasoning']; warnings: string[] } {
  if (!modelInfo(model).reasoning) return { settings: undefined, warnings: [] };
  const summary = config.model_reasoning_summary ?? 'auto';
  const configured = config.model_reasoning_effort;
  const effort = configured ?? 'medium';
  if (wireApi !== 'chat' || !chatReasoningConflict(model, effort, true)) {
    return { settings: { effort, summary }, warnings: [] };
  }
  const fix = `set model_providers.${providerId}.wire_api = "responses" to use the Responses API`;
  if (configured !== undefined) {
    throw new ConfigError(
      `${model} takes function tools on Chat Completions only with model_reasoning_effort = "none", and it is set to "${configured}": ${fix}, or set model_reasoning_effort = "none".`,
    );
  }
  return {
    settings: { effort: 'none', summary },
    warnings: [
      `${model} takes function tools on Chat Completions only without reasoning: running with model_reasoning_effort = "none" (${fix} to let it reason).`,
    ],
  };
}

/** Both steps at once, for front ends. */
export function loadRuntime(flags: CliFlags, env: NodeJS.ProcessEnv, frontEnd?: FrontEndDefaults): Runtime {
  return resolveRuntime(loadEffectiveConfig(flags, env, frontEnd), flags, env);
}
