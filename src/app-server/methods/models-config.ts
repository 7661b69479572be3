/** model/list (the provider's models, with what Spool knows of them) and config/read. */
import { createHash } from 'node:crypto';
import { APIError } from 'openai/core/error';
import { loadConfigFile } from '../../config/load.js';
import { parseOverride, setPath } from '../../config/overrides.js';
import { loadEffectiveConfig, loadRuntime, type Runtime } from '../../config/runtime.js';
import { modelInfo } from '../../model/catalog.js';
import { sdkClient } from '../../model/sdk-client.js';
import type { ConfigReadResponse, Model } from '../../protocol/app-server-v2.js';
import { invalidParams } from '../jsonrpc.js';
import { ConfigReadParams, ModelListParams } from '../params.js';
import { defineMethod, type MethodTable } from '../router.js';
import { configFailure } from '../runtime.js';
import { approvalPolicyOut } from '../v2-shapes.js';

const LIST_TIMEOUT_MS = 15_000;
const EFFORTS = ['low', 'medium', 'high'] as const;

/** The provider's model ids, or undefined when it cannot be asked. */
async function providerModels(runtime: Runtime): Promise<string[] | undefined> {
  const client = sdkClient({ ...runtime.endpoint, idleTimeoutMs: LIST_TIMEOUT_MS });
  const ids: string[] = [];
  const timeout = AbortSignal.timeout(LIST_TIMEOUT_MS);
  try {
    for await (const model of client.models.list({ signal: timeout, maxRetries: 0 })) ids.push(model.id);
    return ids;
  } catch (err) {
    // The provider cannot be reached or refuses: the list holds the configured model alone.
    if (!(err instanceof APIError)) throw err;
    return undefined;
  }
}

function modelEntry(id: string, isDefault: boolean): Model {
  const info = modelInfo(id);
  return {
    id,
    model: id,
    displayName: id,
    description: info.known ? `${info.contextWindow.toLocaleString('en-US')}-token context window` : '',
    hidden: false,
    isDefault,
    supportedReasoningEfforts: info.reasoning
      ? EFFORTS.map((effort) => ({ reasoningEffort: effort, description: `${effort} reasoning effort` }))
      : [],
    defaultReasoningEffort: 'medium',
    inputModalities: ['text', 'image'],
    supportsPersonality: false,
    additionalSpeedTiers: [],
    serviceTiers: [],
    upgrade: null,
    upgradeInfo: null,
    availabilityNux: null,
  };
}

const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

export const modelConfigMethods: MethodTable = {
  /**
   * The configured provider's `GET /models`, the configured model first (marked default). When the
   * provider cannot be reached the list holds the configured model alone, so pickers still work.
   */
  'model/list': defineMethod(ModelListParams, async (ctx, params) => {
    const server = ctx.server.ctx;
    let runtime: Runtime;
    try {
      runtime = loadRuntime(
        { ...server.flags, provider: params.modelProvider ?? server.flags.provider },
        server.env,
      );
    } catch (err) {
      configFailure(err);
    }
    const configured = runtime.settings.model;
    const listed = (await providerModels(runtime)) ?? [];
    const ids = [configured, ...listed.filter((id) => id !== configured).sort()];
    let start = 0;
    if (params.cursor) {
      start = Number(params.cursor);
      if (!Number.isSafeInteger(start) || start < 0)
        throw invalidParams(`invalid cursor ${JSON.stringify(params.cursor)}`);
    }
    const limit = params.limit || ids.length;
    const page = ids.slice(start, start + limit);
    return {
      data: page.map((id) => modelEntry(id, id === configured)),
      nextCursor: start + limit < ids.length ? String(start + limit) : null,
    };
  }),

  /** The effective configuration, with where each value came from (defaults are not listed). */
  'config/read': defineMethod(ConfigReadParams, (ctx, params) => {
    const server = ctx.server.ctx;
    let effective: ReturnType<typeof loadEffectiveConfig>;
    let file: ReturnType<typeof loadConfigFile>;
    try {
      effective = loadEffectiveConfig(
        { ...server.flags, ...(params.cwd ? { cwd: params.cwd } : {}) },
        server.env,
      );
      file = loadConfigFile(effective.home);
    } catch (err) {
      configFailure(err);
    }
    const flagValues: Record<string, unknown> = {};
    for (const raw of server.flags.config ?? []) {
      const override = parseOverride(raw);
      setPath(flagValues, override.path, override.value);
    }
    const user = { name: { type: 'user' as const, file: effective.configFile }, version: sha(file.config) };
    const flags = { name: { type: 'sessionFlags' as const }, version: sha(flagValues) };
    const origins: ConfigReadResponse['origins'] = {};
    for (const [key, source] of effective.sources) {
      if (source === 'default') continue;
      if (source === effective.configFile) origins[key] = user;
      else if (source.startsWith('profile '))
        origins[key] = {
          name: { ...user.name, profile: source.slice('profile '.length) },
          version: user.version,
        };
      else origins[key] = flags;
    }
    const { approval_policy, ...rest } = effective.config;
    return {
      config: {
        ...rest,
        ...(approval_policy ? { approval_policy: approvalPolicyOut(approval_policy) } : {}),
      },
      origins,
      layers: params.includeLayers
        ? [
            { ...user, config: file.config },
            ...(Object.keys(flagValues).length > 0 ? [{ ...flags, config: flagValues }] : []),
          ]
        : null,
    };
  }),
};
