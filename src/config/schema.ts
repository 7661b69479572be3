/**
 * The configuration's shape: Codex's key names where they exist. One zod schema validates
 * config.toml, profiles and `-c` overrides alike.
 */
import { z } from 'zod';
import { ApprovalPolicy, SandboxMode } from '../protocol/policy.js';
import { AgentsConfig } from './agents-schema.js';
import { QueueConfig } from './queue-schema.js';

export const WireApi = z.enum(['responses', 'chat']);
export type WireApi = z.infer<typeof WireApi>;

export const ModelProviderConfig = z
  .object({
    name: z.string().optional(),
    base_url: z.string().optional(),
    env_key: z.string().optional(),
    env_key_instructions: z.string().optional(),
    wire_api: WireApi.optional(),
    query_params: z.record(z.string(), z.string()).optional(),
    http_headers: z.record(z.string(), z.string()).optional(),
    env_http_headers: z.record(z.string(), z.string()).optional(),
    request_max_retries: z.number().int().nonnegative().optional(),
    stream_max_retries: z.number().int().nonnegative().optional(),
    stream_idle_timeout_ms: z.number().int().positive().optional(),
    requires_openai_auth: z.boolean().optional(),
    /** Codex's key: use the Responses API's WebSocket mode (HTTP stays the fallback). */
    supports_websockets: z.boolean().optional(),
    websocket_connect_timeout_ms: z.number().int().positive().optional(),
  })
  .strict();
export type ModelProviderConfig = z.infer<typeof ModelProviderConfig>;

const SandboxWorkspaceWrite = z
  .object({
    writable_roots: z.array(z.string()).optional(),
    network_access: z.boolean().optional(),
    exclude_tmpdir_env_var: z.boolean().optional(),
    exclude_slash_tmp: z.boolean().optional(),
  })
  .strict();

const ShellEnvironmentPolicyConfig = z
  .object({
    inherit: z.enum(['all', 'core', 'none']).optional(),
    ignore_default_excludes: z.boolean().optional(),
    exclude: z.array(z.string()).optional(),
    set: z.record(z.string(), z.string()).optional(),
    include_only: z.array(z.string()).optional(),
  })
  .strict();

/**
 * Codex's approval modes for MCP tools: `auto` asks unless the tool says it is read-only (and not
 * destructive); `prompt` always asks; `writes` asks unless `readOnlyHint`; `approve` never asks.
 */
export const McpToolApprovalMode = z.enum(['auto', 'prompt', 'writes', 'approve']);
export type McpToolApprovalMode = z.infer<typeof McpToolApprovalMode>;

const McpToolConfig = z.object({ approval_mode: McpToolApprovalMode.optional() }).strict();

export const McpServerConfig = z
  .object({
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    url: z.string().optional(),
    bearer_token_env_var: z.string().optional(),
    http_headers: z.record(z.string(), z.string()).optional(),
    enabled: z.boolean().optional(),
    enabled_tools: z.array(z.string()).optional(),
    disabled_tools: z.array(z.string()).optional(),
    startup_timeout_sec: z.number().positive().optional(),
    tool_timeout_sec: z.number().positive().optional(),
    /** Codex's keys: when a call of this server's tools is asked about (see docs/mcp.md). */
    default_tools_approval_mode: McpToolApprovalMode.optional(),
    tools: z.record(z.string(), McpToolConfig).optional(),
  })
  .strict();
export type McpServerConfig = z.infer<typeof McpServerConfig>;

/** Agent Skills (docs/skills.md): Codex's `[[skills.config]]` entries, and the catalog's budget. */
const SkillsConfig = z
  .object({
    enabled: z.boolean().optional(),
    /** The catalog's budget in characters; wins over the share of the context window. */
    catalog_max_chars: z.number().int().nonnegative().optional(),
    /** The catalog's share of the context window, in percent (default 2). */
    catalog_window_percent: z.number().positive().max(100).optional(),
    config: z.array(z.object({ path: z.string(), enabled: z.boolean() }).strict()).optional(),
  })
  .strict();

/** Codex's `[features]` flags that Spool knows; others are accepted and ignored. */
const FeaturesConfig = z
  .object({
    /** `request_user_input` is offered in default mode too, not only in plan mode. */
    default_mode_request_user_input: z.boolean().optional(),
    /** Commands source a snapshot of the login shell's environment (Codex's `shell_snapshot`; on by default). */
    shell_snapshot: z.boolean().optional(),
  })
  .catchall(z.unknown());

/**
 * Reasoning effort: passed to the provider as given. Models keep adding levels (`xhigh`, `max`, …), so
 * any non-empty word is accepted and the provider judges it.
 */
const ReasoningEffortValue = z
  .string()
  .regex(/^[a-z_-]+$/, 'expected a reasoning effort such as "low", "medium" or "high"');
const ReasoningSummaryValue = z.enum(['auto', 'concise', 'detailed', 'none']);
const VerbosityValue = z.enum(['low', 'medium', 'high']);

/** Who answers approval requests (Codex's key): the person, or the automatic reviewer (guardian). */
const ApprovalsReviewer = z.enum(['user', 'auto_review']);

/** `[auto_review]`: the automatic reviewer's policy (Codex's key) and Spool's timeout. */
const AutoReviewConfig = z
  .object({
    /** Markdown policy text added to the built-in risk policy; blank values are ignored. */
    policy: z.string().optional(),
    /** Spool's own: seconds one review may take before it counts as a denial (default 90). */
    timeout_sec: z.number().positive().optional(),
  })
  .strict();

/** `[model_prices.<model>]`: USD per million tokens (media models: per generation or second). */
const ModelPriceConfig = z
  .object({
    input: z.number().nonnegative(),
    /** Defaults to `input` (no cache discount known). */
    cached_input: z.number().nonnegative().optional(),
    output: z.number().nonnegative(),
    per_generation: z.number().nonnegative().optional(),
    per_second: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * `[media_prices.<model>]`: what one generation of a media model costs, in USD (docs/media.md). The
 * resolution multipliers scale the price by the `resolution` (or image `size`) asked for.
 */
export const MediaPriceConfig = z
  .object({
    per_image: z.number().nonnegative().optional(),
    per_generation: z.number().nonnegative().optional(),
    per_second: z.number().nonnegative().optional(),
    resolution_multipliers: z.record(z.string(), z.number().positive()).optional(),
  })
  .strict();
export type MediaPriceConfig = z.infer<typeof MediaPriceConfig>;

/** `[media]`: the media agent (`spool media`, docs/media.md). */
const MediaConfig = z
  .object({
    /** The provider generations go to (a `model_providers` id; default: the session's provider). */
    model_provider: z.string().optional(),
    image_model: z.string().optional(),
    video_model: z.string().optional(),
    /** `chat` (image output over /chat/completions, default) or `images` (OpenAI's Images API). */
    image_api: z.enum(['chat', 'images']).optional(),
    /** The video task endpoint, relative to the provider's base URL. */
    video_tasks_path: z.string().optional(),
    /** Hosts besides the provider's own that assets may be downloaded from (a CDN). */
    download_hosts: z.array(z.string()).optional(),
    poll_interval_ms: z.number().int().positive().optional(),
    video_timeout_sec: z.number().positive().optional(),
    out: z.string().optional(),
    budget_usd: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * `[otel]` exporters (Codex's forms): `"none"`, `"otlp-http"` / `"otlp-grpc"` (with `endpoint`,
 * `headers`, `protocol` beside them in `[otel]`), or `{ otlp-http = { endpoint, protocol, headers } }`
 * / `{ otlp-grpc = { endpoint, headers } }`.
 */
const OtlpHeaders = z.record(z.string(), z.string());
const OtlpProtocol = z.enum(['binary', 'json']);
export const OtelExporterConfig = z.union([
  z.enum(['none', 'otlp-http', 'otlp-grpc']),
  z
    .object({
      'otlp-http': z
        .object({ endpoint: z.string(), protocol: OtlpProtocol.optional(), headers: OtlpHeaders.optional() })
        .strict(),
    })
    .strict(),
  z
    .object({ 'otlp-grpc': z.object({ endpoint: z.string(), headers: OtlpHeaders.optional() }).strict() })
    .strict(),
]);
export type OtelExporterConfig = z.infer<typeof OtelExporterConfig>;

export const OtelConfig = z
  .object({
    exporter: OtelExporterConfig.optional(),
    trace_exporter: OtelExporterConfig.optional(),
    metrics_exporter: OtelExporterConfig.optional(),
    endpoint: z.string().optional(),
    headers: OtlpHeaders.optional(),
    protocol: OtlpProtocol.optional(),
    log_user_prompt: z.boolean().optional(),
    environment: z.string().optional(),
  })
  .strict();
export type OtelConfig = z.infer<typeof OtelConfig>;

/** Keys a profile may set (a profile is a named bundle of top-level settings). */
const profileShape = {
  approvals_reviewer: ApprovalsReviewer.optional(),
  auto_review: AutoReviewConfig.optional(),
  /** The guardian's model (default: the thread's model). */
  guardian_model: z.string().optional(),
  model: z.string().optional(),
  /** Codex's key: the model code reviews run with (default: `model`). */
  review_model: z.string().optional(),
  model_provider: z.string().optional(),
  approval_policy: ApprovalPolicy.optional(),
  sandbox_mode: SandboxMode.optional(),
  model_reasoning_effort: ReasoningEffortValue.optional(),
  model_reasoning_summary: ReasoningSummaryValue.optional(),
  model_verbosity: VerbosityValue.optional(),
  model_context_window: z.number().int().positive().optional(),
  model_auto_compact_token_limit: z.number().int().positive().optional(),
  developer_instructions: z.string().optional(),
  base_instructions: z.string().optional(),
  openai_base_url: z.string().optional(),
  /** Spend caps (Spool's own): per session (all its turns) and per turn; see docs/observability.md. */
  max_cost_usd: z.number().positive().optional(),
  max_tokens: z.number().int().positive().optional(),
  max_turn_cost_usd: z.number().positive().optional(),
  max_turn_tokens: z.number().int().positive().optional(),
};

const ProfileConfig = z.object(profileShape).strict();

export const SpoolConfig = z
  .object({
    ...profileShape,
    profile: z.string().optional(),
    model_providers: z.record(z.string(), ModelProviderConfig).optional(),
    sandbox_workspace_write: SandboxWorkspaceWrite.optional(),
    shell_environment_policy: ShellEnvironmentPolicyConfig.optional(),
    project_doc_max_bytes: z.number().int().nonnegative().optional(),
    project_doc_fallback_filenames: z.array(z.string()).optional(),
    /** Spool's own: the largest input one tool call may carry, and the largest file apply_patch reads. */
    tool_arguments_max_bytes: z.number().int().positive().optional(),
    apply_patch_max_file_bytes: z.number().int().positive().optional(),
    mcp_servers: z.record(z.string(), McpServerConfig).optional(),
    /** The fleet's job queue (`spool queue`, `spool worker`). */
    queue: QueueConfig.optional(),
    model_prices: z.record(z.string(), ModelPriceConfig).optional(),
    media: MediaConfig.optional(),
    media_prices: z.record(z.string(), MediaPriceConfig).optional(),
    otel: OtelConfig.optional(),
    skills: SkillsConfig.optional(),
    features: FeaturesConfig.optional(),
    profiles: z.record(z.string(), ProfileConfig).optional(),
    /** Sub-agents: limits and roles (config/agents-schema.ts, docs/agents.md). */
    agents: AgentsConfig.optional(),
    /** Codex's request-level retry knobs at top level, applied to the active provider. */
    request_max_retries: z.number().int().nonnegative().optional(),
    stream_max_retries: z.number().int().nonnegative().optional(),
    stream_idle_timeout_ms: z.number().int().positive().optional(),
  })
  .strict();
export type SpoolConfig = z.infer<typeof SpoolConfig>;
