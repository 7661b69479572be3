/**
 * `generate_video {prompt, model?, duration?, resolution?, image?}`: the asynchronous task shape
 * video platforms use — submit (→ task id), poll with backoff honouring `Retry-After`, download the
 * file when the task succeeded; failed, expired and timed-out tasks are reported to the model.
 *
 * At most once: the submission is journaled (fsync) before it is sent and the task id as soon as it
 * comes back, before the first poll. A resumed session polls a recorded task (`finishTask`) instead of
 * submitting again; a submission whose answer never came is reported, never repeated.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LocalImageError, localImagePart } from '../context/local-image.js';
import { formatUsd } from '../model/prices.js';
import { functionSpec, parseJsonArguments } from '../tools/spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../tools/types.js';
import { download, MediaHttpError, requestJson } from './http.js';
import { extensionFor } from './image-answer.js';
import type { JournalEntry } from './journal.js';
import { completedItem, failedItem, type MediaStudio, mediaItem } from './studio.js';
import { resolveViewable, ViewablePathError } from './view-media.js';

const GenerateVideoArgs = z
  .object({
    prompt: z.string().min(1).describe('What happens in the video: subject, motion, camera, style.'),
    model: z.string().optional().describe('Video model (default: the configured video model).'),
    duration: z.number().int().min(1).max(60).optional().describe('Length in seconds (default 5).'),
    resolution: z.string().optional().describe('Resolution such as "480p" or "720p" (prices differ).'),
    image: z.string().optional().describe('A first frame: the path of an image you generated.'),
  })
  .strict();
type GenerateVideoArgs = z.infer<typeof GenerateVideoArgs>;

const DESCRIPTION = `Generates a video with a video model: submits a task, waits for it and saves the file in the output folder.
Each call is charged (its price is checked against the remaining budget before anything is sent). Videos take minutes.`;

const DEFAULT_DURATION = 5;
/** Extensions a downloaded video keeps when its content type does not say (else `.mp4`). */
const VIDEO_EXTENSIONS = ['.mp4', '.webm', '.mov', '.mkv'];
const MAX_VIDEO_BYTES = 1024 * 1024 * 1024;
/** Consecutive failed polls (no answer) before the wait is given up. */
const MAX_POLL_FAILURES = 5;

type Json = Record<string, unknown>;

const WAITING = new Set([
  'queued',
  'pending',
  'submitted',
  'running',
  'processing',
  'in_progress',
  'created',
]);
const SUCCEEDED = new Set(['succeeded', 'success', 'completed', 'complete', 'done']);
const EXPIRED = new Set(['expired', 'timeout', 'timed_out']);

/** The task id in a submit answer (`id`, `task_id`, or either under `data`). */
export function taskIdOf(answer: unknown): string | undefined {
  const top = (answer ?? {}) as Json;
  const data = (top.data ?? {}) as Json;
  for (const value of [top.id, top.task_id, data.id, data.task_id])
    if (typeof value === 'string' && value) return value;
  return undefined;
}

export type TaskState =
  | { state: 'waiting'; status: string }
  | { state: 'succeeded'; url: string | undefined }
  | { state: 'failed' | 'expired'; message: string };

/** A poll answer, read (pure). */
export function taskStateOf(answer: unknown): TaskState {
  const top = (answer ?? {}) as Json;
  const body = typeof top.status === 'string' ? top : ((top.data ?? top) as Json);
  const status = String(body.status ?? '').toLowerCase();
  const content = (body.content ?? body.output ?? {}) as Json;
  if (SUCCEEDED.has(status)) {
    const url = [content.video_url, body.video_url, content.url, body.url].find((v) => typeof v === 'string');
    return { state: 'succeeded', url: url as string | undefined };
  }
  const error = (body.error ?? {}) as Json;
  const message = String(error.message ?? body.message ?? body.fail_reason ?? status);
  if (EXPIRED.has(status)) return { state: 'expired', message };
  if (WAITING.has(status) || status === '') return { state: 'waiting', status: status || 'unknown' };
  return { state: 'failed', message: `${status}: ${message}` };
}

function submitBody(args: GenerateVideoArgs, model: string, image: string | undefined) {
  return {
    model,
    content: [
      { type: 'text', text: args.prompt },
      ...(image ? [{ type: 'image_url', image_url: { url: image }, role: 'first_frame' }] : []),
    ],
    duration: args.duration ?? DEFAULT_DURATION,
    ...(args.resolution ? { resolution: args.resolution } : {}),
  };
}

export interface TaskOutcome {
  status: 'succeeded' | 'failed' | 'expired' | 'timed_out' | 'interrupted';
  files: string[];
  message: string;
}

/**
 * Polls the recorded task of `entry` until it ends, downloads its file and records the end (journal
 * and manifest). The one path for a fresh submission and for a task recovered on resume.
 */
export async function finishTask(
  studio: MediaStudio,
  entry: JournalEntry,
  signal: AbortSignal,
  cwd: string,
): Promise<TaskOutcome> {
  const { submit } = entry;
  const taskId = entry.taskId;
  if (!taskId) throw new Error('finishTask: the entry has no task id');
  const started = Date.parse(submit.at);
  const deadline = Date.now() + studio.defaults.videoTimeoutMs;
  const tasksPath = studio.defaults.videoTasksPath.replace(/\/+$/, '');
  let interval = studio.defaults.pollIntervalMs;
  let failures = 0;
  for (;;) {
    if (signal.aborted) return { status: 'interrupted', files: [], message: 'interrupted' };
    if (Date.now() >= deadline) {
      const message = `task ${taskId} had not finished after ${Math.round(studio.defaults.videoTimeoutMs / 1000)} s`;
      studio.recordEnd(submit.call_id, 'timed_out', submit.cost_usd, [], message);
      return { status: 'timed_out', files: [], message };
    }
    let answer: unknown;
    try {
      answer = await requestJson(
        studio.endpoint,
        'GET',
        `${tasksPath}/${encodeURIComponent(taskId)}`,
        undefined,
        {
          signal,
          maxRetries: 1000,
          onRetry: (ms, status) =>
            studio.notify(`media: HTTP ${status} polling task ${taskId}; waiting ${ms} ms`),
        },
      );
      failures = 0;
    } catch (err) {
      if (!(err instanceof MediaHttpError)) throw err;
      if (signal.aborted) return { status: 'interrupted', files: [], message: 'interrupted' };
      // Polling is safe to repeat; a task the provider no longer knows is an end.
      if (err.status === 404 || ++failures >= MAX_POLL_FAILURES) {
        studio.recordEnd(submit.call_id, 'failed', submit.cost_usd, [], err.message);
        return { status: 'failed', files: [], message: `polling task ${taskId} failed: ${err.message}` };
      }
      answer = undefined;
    }
    const state: TaskState =
      answer === undefined ? { state: 'waiting', status: 'unknown' } : taskStateOf(answer);
    if (state.state === 'succeeded') {
      if (!state.url) {
        studio.recordEnd(submit.call_id, 'failed', submit.cost_usd, [], 'no video URL');
        return { status: 'failed', files: [], message: `task ${taskId} succeeded but named no video URL` };
      }
      let saved: string;
      try {
        const file = await download(studio.endpoint, state.url, { signal, maxBytes: MAX_VIDEO_BYTES });
        const type = file.contentType.split(';')[0]?.trim() ?? '';
        const fromUrl = path.extname(new URL(state.url).pathname).toLowerCase();
        const ext = type.startsWith('video/')
          ? extensionFor(type)
          : VIDEO_EXTENSIONS.includes(fromUrl)
            ? fromUrl
            : '.mp4';
        saved = studio.out.writeNew(submit.prompt, ext, file.bytes);
      } catch (err) {
        if (!(err instanceof MediaHttpError)) throw err;
        if (signal.aborted) return { status: 'interrupted', files: [], message: 'interrupted' };
        studio.recordEnd(submit.call_id, 'failed', submit.cost_usd, [], err.message);
        return { status: 'failed', files: [], message: err.message };
      }
      const relative = studio.out.relative(saved);
      studio.recordEnd(submit.call_id, 'succeeded', submit.cost_usd, [relative]);
      studio.addToManifest([
        {
          file: relative,
          kind: 'video',
          prompt: submit.prompt,
          model: submit.model,
          params: submit.params,
          cost_usd: submit.cost_usd,
          cost_basis: submit.basis,
          duration_ms: Date.now() - (Number.isNaN(started) ? Date.now() : started),
          critique: null,
          session_id: studio.sessionId,
          call_id: submit.call_id,
          task_id: taskId,
          created_at: new Date().toISOString(),
        },
      ]);
      return { status: 'succeeded', files: [path.relative(cwd, saved) || saved], message: 'done' };
    }
    if (state.state === 'failed' || state.state === 'expired') {
      // Platforms do not charge a task that failed or expired.
      studio.recordEnd(submit.call_id, state.state, 0, [], state.message);
      return { status: state.state, files: [], message: state.message };
    }
    try {
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), undefined, { signal });
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
    interval = Math.min(interval * 1.5, studio.defaults.pollIntervalMs * 8);
  }
}

export function createGenerateVideoTool(studio: MediaStudio): ToolHandler<GenerateVideoArgs> {
  return {
    name: 'generate_video',
    spec: functionSpec('generate_video', DESCRIPTION, GenerateVideoArgs),
    parallel: false,
    parse: (raw) => parseJsonArguments('generate_video', raw, GenerateVideoArgs),
    run: (args, ctx) => generateVideo(studio, args, ctx),
  };
}

async function generateVideo(
  studio: MediaStudio,
  args: GenerateVideoArgs,
  ctx: ToolContext,
): Promise<ToolResult> {
  const model = args.model?.trim() || studio.defaults.videoModel;
  const item = mediaItem(ctx.items.newItemId(), 'generate_video', args);
  const fail = (message: string): ToolResult => {
    ctx.items.completed(failedItem(item, message));
    return { output: message, success: false };
  };
  let image: string | undefined;
  if (args.image) {
    try {
      const part = localImagePart(resolveViewable(args.image, ctx.cwd, studio.out));
      image = part.type === 'input_image' ? part.image_url : undefined;
    } catch (err) {
      if (!(err instanceof LocalImageError) && !(err instanceof ViewablePathError)) throw err;
      return fail(`Cannot use ${args.image} as the first frame: ${err.message}. Nothing was submitted.`);
    }
  }
  const duration = args.duration ?? DEFAULT_DURATION;
  const price = studio.quote(model, {
    kind: 'video',
    durationSeconds: duration,
    ...(args.resolution ? { resolution: args.resolution } : {}),
  });
  const refusal = studio.budgetRefusal(model, price);
  if (refusal) return fail(refusal);
  const declined = await studio.approve(ctx, 'generate_video', args, args.prompt, price, item.id);
  if (declined) return fail(declined);

  ctx.items.started(item);
  const params: Record<string, unknown> = {
    duration,
    ...(args.resolution ? { resolution: args.resolution } : {}),
    ...(args.image ? { image: args.image } : {}),
  };
  const sent = await studio.submitOnce(
    ctx,
    { kind: 'video', model, prompt: args.prompt, params, cost_usd: price.usd, basis: price.basis },
    {
      relative: studio.defaults.videoTasksPath,
      body: submitBody(args, model, image),
      what: 'submitting the video task',
    },
    (err) =>
      err.outcomeUnknown
        ? `The video submission got no answer (${err.message}); the task may exist and be charged, so it was not submitted again.`
        : `The video task was not accepted: ${err.message}. Nothing was charged.`,
  );
  if ('failure' in sent) return fail(sent.failure);
  const { answer } = sent;
  const taskId = taskIdOf(answer);
  if (!taskId) {
    studio.recordEnd(ctx.callId, 'unknown', price.usd, [], 'no task id in the answer');
    return fail(
      `The video provider accepted the request but gave no task id: ${JSON.stringify(answer).slice(0, 300)}`,
    );
  }
  // Durable before the first poll: a resume polls this task rather than submitting again.
  studio.recordAccepted(ctx.callId, taskId);
  const entry = studio.journal.entry(ctx.callId);
  if (!entry) throw new Error('journal lost the submission');
  const outcome = await finishTask(studio, entry, ctx.signal, ctx.cwd);
  switch (outcome.status) {
    case 'succeeded': {
      const output = [
        `Saved the video: ${outcome.files.join(', ')} (task ${taskId}).`,
        `Cost ${formatUsd(price.usd)} (${price.basis}); ${studio.spendLine()}.`,
        'Check it with view_media before deciding whether it meets the brief.',
      ].join('\n');
      ctx.items.completed(
        completedItem(item, output, { files: outcome.files, task_id: taskId, cost_usd: price.usd, model }),
      );
      return { output, success: true };
    }
    case 'interrupted':
      return fail(
        `Interrupted while task ${taskId} was running; it was not cancelled and will be collected on resume.`,
      );
    case 'failed':
      return fail(
        `The video task ${taskId} failed: ${outcome.message}. It was not charged; ${studio.spendLine()}.`,
      );
    case 'expired':
      return fail(
        `The video task ${taskId} expired before it ran: ${outcome.message}. It was not charged; ${studio.spendLine()}.`,
      );
    case 'timed_out':
      return fail(
        `The video task ${taskId} is still not done (${outcome.message}). It was not submitted again and its price counts against the budget; ${studio.spendLine()}.`,
      );
  }
}
