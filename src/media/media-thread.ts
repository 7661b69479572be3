/**
 * A media thread: an ordinary session (recorded, resumable, approvals, `--json`) whose tools are
 * the media tools and whose base instructions are the media agent's, with the brand guide joined to
 * them. `prepareMediaThread` builds both from the runtime and the flags; the front end opens the
 * thread through the session layer as for any thread, then calls `opened` (journal bound to the
 * session) and, before the turn, `recover` (tasks in flight when the session last stopped are polled
 * and collected, never submitted again).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProviderError, type ResolvedProvider, resolveProvider } from '../config/providers.js';
import type { Runtime } from '../config/runtime.js';
import { DEFAULT_TOOL_LIMITS } from '../config/tool-limits.js';
import { formatUsd } from '../model/prices.js';
import type { ThreadTools } from '../tools/default-tools.js';
import { ToolRegistry } from '../tools/registry.js';
import type { ToolHandler } from '../tools/types.js';
import { createCritiqueMediaTool } from './critique-media.js';
import { createGenerateImageTool } from './generate-image.js';
import { createGenerateVideoTool, finishTask } from './generate-video.js';
import type { MediaEndpoint } from './http.js';
import { mediaInstructions } from './instructions.js';
import { journalPath, MediaJournal } from './journal.js';
import { OutputFolder } from './outputs.js';
import { type MediaDefaults, MediaStudio } from './studio.js';
import { createViewMediaTool } from './view-media.js';

export interface MediaFlags {
  /** `--out DIR` (default `[media] out`, else `media/`; a resumed session keeps its own). */
  out?: string;
  /** `--budget USD` (a resumed session keeps its own unless given again). */
  budgetUsd?: number;
  /** `--brand FILE` (default `BRAND.md` in the working directory, if there is one). */
  brand?: string;
  /** Told about recoveries, retries and warnings. */
  notify: (message: string) => void;
}

/** The media thread cannot start as asked (a usage error). */
export class MediaSetupError extends Error {
  override name = 'MediaSetupError';
}

export interface MediaThread {
  /** The runtime with the media agent's base instructions. */
  runtime: Runtime;
  tools: ThreadTools;
  studio: MediaStudio;
  /** Binds the journal to the session (a new session records its settings first). */
  opened(sessionId: string): void;
  /** Collects generations in flight when the session last stopped; a note for the model, if any. */
  recover(signal: AbortSignal): Promise<string | undefined>;
  /** The spend, for the end of the run. */
  summary(): string;
}

const DEFAULT_OUT = 'media';
const BRAND_FILE = 'BRAND.md';
const DEFAULTS: Omit<MediaDefaults, 'imageApi'> = {
  imageModel: 'gpt-image-2',
  videoModel: 'seedance-2-0',
  videoTasksPath: 'contents/generations/tasks',
  pollIntervalMs: 2_000,
  videoTimeoutMs: 900_000,
};

function endpointOf(provider: ResolvedProvider, extraHosts: string[]): MediaEndpoint {
  const baseURL = provider.baseURL.replace(/\/+$/, '');
  return {
    baseURL,
    headers: {
      ...provider.headers,
      ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
    },
    query: provider.query,
    downloadHosts: [new URL(baseURL).host, ...extraHosts],
  };
}

function readBrand(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new MediaSetupError(`cannot read the brand guide ${file}: ${(err as Error).message}`);
  }
}

/** The brand guide a new session starts with: `--brand FILE`, else BRAND.md in the cwd if present. */
function newBrand(flag: string | undefined, cwd: string): { path: string; text: string } | undefined {
  if (flag !== undefined) {
    const file = path.resolve(cwd, flag);
    return { path: file, text: readBrand(file) };
  }
  const fallback = path.join(cwd, BRAND_FILE);
  return fs.existsSync(fallback) ? { path: fallback, text: readBrand(fallback) } : undefined;
}

/** Whether session `id` is a media session (it has a media journal with its settings). */
export function isMediaSession(home: string, id: string): boolean {
  const file = journalPath(home, id);
  return MediaJournal.exists(file) && MediaJournal.open(file).settings !== undefined;
}

/**
 * Makes the fresh fork `toId` of session `fromId` a media session too, when `fromId` is one: the
 * fork's journal starts with the same settings (output folder, budget, the brand text the session
 * began with, so the cached prefix stays identical) and what the original has spent so far, which
 * counts against that budget as it would on a resume (spent money is not refunded by forking, even
 * at an earlier turn). Generations in flight stay the original's: its resume collects them. Returns
 * whether the fork is a media session.
 */
export function forkMediaSession(home: string, fromId: string, toId: string): boolean {
  const source = journalPath(home, fromId);
  if (!MediaJournal.exists(source)) return false;
  const original = MediaJournal.open(source);
  const settings = original.settings;
  if (!settings) return false;
  const fork = MediaJournal.open(journalPath(home, toId));
  const { at: _at, ...carried } = settings;
  fork.append(carried);
  fork.append({ type: 'carried', from_session: fromId, spent_usd: original.spentUsd() });
  return true;
}

/** Builds a media thread's runtime and tools; `resumedId` is the session being continued, if any. */
export function prepareMediaThread(runtime: Runtime, flags: MediaFlags, resumedId?: string): MediaThread {
  const config = runtime.config.media ?? {};
  const cwd = runtime.settings.cwd;
  if (flags.budgetUsd !== undefined && !(Number.isFinite(flags.budgetUsd) && flags.budgetUsd >= 0))
    throw new MediaSetupError(`--budget takes an amount in USD (0 or more), not ${flags.budgetUsd}`);
  const existing = resumedId ? MediaJournal.open(journalPath(runtime.home, resumedId)) : undefined;
  if (existing && !existing.settings)
    throw new MediaSetupError(`session ${resumedId} is not a media session (start one with \`spool media\`)`);
  const recorded = existing?.settings;

  let brand: { path: string; text: string } | undefined;
  if (recorded) {
    // The session keeps the guide it began with: its text is part of the cached prefix.
    brand =
      recorded.brand_text !== null
        ? { path: recorded.brand_path ?? BRAND_FILE, text: recorded.brand_text }
        : undefined;
    const now =
      recorded.brand_path && fs.existsSync(recorded.brand_path) ? readBrand(recorded.brand_path) : undefined;
    if (flags.brand !== undefined || (now !== undefined && now !== recorded.brand_text))
      flags.notify(
        'media: warning: the session keeps the brand guide it began with; start a new `spool media` session to use another',
      );
  } else brand = newBrand(flags.brand, cwd);

  const out =
    recorded?.out && flags.out === undefined
      ? recorded.out
      : path.resolve(cwd, flags.out ?? config.out ?? DEFAULT_OUT);
  const budgetUsd = flags.budgetUsd ?? (recorded ? (recorded.budget_usd ?? undefined) : config.budget_usd);

  let provider = runtime.provider;
  if (config.model_provider) {
    try {
      provider = resolveProvider(config.model_provider, runtime.config, process.env);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      throw new MediaSetupError(`[media] model_provider: ${err.message}`);
    }
  }
  let folder: OutputFolder;
  try {
    folder = new OutputFolder(out);
  } catch (err) {
    throw new MediaSetupError(`cannot use ${out} as the output folder: ${(err as Error).message}`);
  }
  const studio = new MediaStudio({
    endpoint: endpointOf(provider, config.download_hosts ?? []),
    out: folder,
    defaults: {
      imageModel: config.image_model ?? DEFAULTS.imageModel,
      videoModel: config.video_model ?? DEFAULTS.videoModel,
      imageApi: config.image_api ?? 'chat',
      videoTasksPath: config.video_tasks_path ?? DEFAULTS.videoTasksPath,
      pollIntervalMs: config.poll_interval_ms ?? DEFAULTS.pollIntervalMs,
      videoTimeoutMs:
        config.video_timeout_sec !== undefined ? config.video_timeout_sec * 1000 : DEFAULTS.videoTimeoutMs,
    },
    budgetUsd,
    ...(runtime.config.media_prices ? { mediaPrices: runtime.config.media_prices } : {}),
    ...(runtime.settings.modelPrices ? { modelPrices: runtime.settings.modelPrices } : {}),
    notify: flags.notify,
  });
  const settings = { ...runtime.settings, baseInstructions: mediaInstructions(brand) };
  const limits = settings.toolLimits ?? DEFAULT_TOOL_LIMITS;
  const handlers = [
    createGenerateImageTool(studio),
    createGenerateVideoTool(studio),
    createViewMediaTool(studio),
    createCritiqueMediaTool(studio),
  ] as ToolHandler[];
  const tools: ThreadTools = {
    registry: new ToolRegistry(handlers, [], { maxArgumentBytes: limits.argumentsMaxBytes }),
    close: async () => {},
  };

  return {
    runtime: { ...runtime, settings },
    tools,
    studio,
    opened(sessionId) {
      const journal = existing ?? MediaJournal.open(journalPath(runtime.home, sessionId));
      const settingsNow = journal.settings;
      // A new session records its settings; a resumed one again when --budget or --out changed them.
      if (!settingsNow || settingsNow.budget_usd !== (budgetUsd ?? null) || settingsNow.out !== folder.root)
        journal.append({
          type: 'settings',
          out: folder.root,
          budget_usd: budgetUsd ?? null,
          brand_path: brand?.path ?? null,
          brand_text: brand?.text ?? null,
        });
      studio.bind(sessionId, journal);
    },
    async recover(signal) {
      const notes: string[] = [];
      for (const entry of studio.journal.unfinished()) {
        const { submit } = entry;
        if (submit.kind === 'video' && entry.taskId) {
          flags.notify(`media: collecting video task ${entry.taskId}, submitted before the session stopped`);
          const outcome = await finishTask(studio, entry, signal, cwd);
          if (outcome.status === 'interrupted') break;
          notes.push(
            outcome.status === 'succeeded'
              ? `- generate_video (call ${submit.call_id}, "${submit.prompt}") was submitted as task ${entry.taskId} and has now finished: saved ${outcome.files.join(', ')}.`
              : `- generate_video (call ${submit.call_id}, "${submit.prompt}"), task ${entry.taskId}: ${outcome.status} — ${outcome.message}.`,
          );
        } else {
          // Sent, but no answer was recorded: it may have been made and charged, so it is not sent again.
          const message = 'the session stopped before the answer arrived; the outcome is unknown';
          studio.recordEnd(submit.call_id, 'unknown', submit.cost_usd, [], message);
          notes.push(
            `- generate_${submit.kind} (call ${submit.call_id}, "${submit.prompt}"): ${message}; it was not submitted again.`,
          );
        }
      }
      if (notes.length === 0) return undefined;
      return `<media_recovery>\nThe session stopped while generations were in flight. They were not submitted again:\n${notes.join('\n')}\n${studio.spendLine()}.\n</media_recovery>`;
    },
    summary() {
      const assets = studio.out
        .readManifest()
        .assets.filter((asset) => asset.session_id === studio.sessionId);
      const accepted = assets.filter((asset) => asset.critique?.verdict === 'accepted').length;
      return `media: ${assets.length} asset${assets.length === 1 ? '' : 's'} in ${studio.out.root} (${accepted} accepted); ${studio.spendLine()}${budgetUsd === undefined ? '' : `, ${formatUsd(Math.max(0, budgetUsd - studio.spentUsd()))} left`}`;
    },
  };
}
