/**
 * The media side of the emulator: image models over Chat Completions (each response shape
 * platforms use) and OpenAI's Images API, an asynchronous video task lifecycle, and downloads from
 * the emulator's own host. `startEmulator({ media })` routes these requests here (server.ts); the
 * loop's own chat and responses requests still go to the script.
 *
 * Wires (paths relative to the base URL, `/v1` optional):
 * - `POST /chat/completions` with an image model: a `chat.completion` (not streamed) whose message
 *   carries the image as the model's shape says: `markdown_data_url` (`![image](data:image/png;…)` in
 *   `content`), `markdown_url` (the same with a URL on this host), `data_url` (the bare data URL as
 *   `content`), `images` (`message.images[]` of `{type:"image_url", image_url:{url}}`, OpenRouter's)
 *   or `parts` (`content` as parts: text, then `{type:"image_url", image_url:{url}}` and
 *   `{type:"image", mime_type, data}` base64 parts).
 * - `POST /images/generations`: `{created, data:[{b64_json}|{url}], usage}` (`response_format: "url"`
 *   for URLs).
 * - `POST /contents/generations/tasks` → `{id}`; `GET /contents/generations/tasks/{id}` →
 *   `{id, model, status, content?:{video_url}, error?}` — statuses `queued`, `running`, `succeeded`,
 *   `failed`, `expired`, each poll taking the next from the task's plan; `rate_limited` answers 429
 *   with `Retry-After`. A held task stays `running` until `settle()`.
 * - `GET /media/files/{name}`: the bytes of a generated file.
 *
 * Every instance owns its state (no module-level state).
 */
import { createHash } from 'node:crypto';
import { solidPng } from './media-png.js';

export type ImageShape = 'markdown_data_url' | 'markdown_url' | 'data_url' | 'images' | 'parts';
export type VideoStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'expired';

export interface VideoTaskPlan {
  /** What successive polls see; the last entry repeats. `rate_limited`: HTTP 429 with Retry-After. */
  statuses: Array<VideoStatus | 'rate_limited'>;
  /** Stay `running` (after the statuses) until `settle()` says otherwise. */
  hold?: boolean;
  /** Retry-After of a `rate_limited` poll, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** The failure's message for `failed` / `expired`. */
  error?: string;
}

/** An HTTP error answer, for faults; status 0 never answers (the request stalls until the client goes). */
export interface MediaFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface MediaEmulatorOptions {
  /** Image models and the shape each answers in (default: gpt-image-2 `images`, nano-banana-2 `markdown_data_url`). */
  imageModels?: Record<string, ImageShape>;
  /** Video models (default: seedance-2-0). */
  videoModels?: string[];
  /** Each submitted task's plan, by submission index (default: queued, running, succeeded). */
  videoTasks?: VideoTaskPlan[] | ((index: number) => VideoTaskPlan);
  /** Faults answered instead of an image, by image request index. */
  imageFaults?: Array<MediaFault | undefined>;
  /** Origin that image and video URLs point at (default: the emulator's own, from the Host header). */
  urlOrigin?: string;
  /** Faults answered instead of accepting a video task, by submit request index. */
  submitFaults?: Array<MediaFault | undefined>;
}

export interface MediaRequest {
  method: string;
  /** The request path as received (`/v1/...` or not, with a query). */
  url: string;
  body: Record<string, unknown> | undefined;
  /** The Host header: download URLs point back at it. */
  host: string;
}

export interface MediaAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ImageGeneration {
  api: 'chat' | 'images';
  model: string;
  prompt: string;
  /** Reference images the request carried (URLs or data URLs). */
  references: string[];
  body: Record<string, unknown>;
}

interface TaskState {
  id: string;
  model: string;
  body: Record<string, unknown>;
  plan: VideoTaskPlan;
  polls: number;
  settled?: VideoStatus;
}

const DEFAULT_IMAGE_MODELS: Record<string, ImageShape> = {
  'gpt-image-2': 'images',
  'nano-banana-2': 'markdown_data_url',
};

/** The 'video' bytes served for a finished task: an MP4 `ftyp` box and a marker (not playable). */
function fakeVideo(taskId: string): Buffer {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  return Buffer.concat([ftyp, Buffer.from(`spool-emulator-video ${taskId}\n`)]);
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): MediaAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

function errorBody(message: string, code: string | null, type = 'invalid_request_error') {
  return { error: { message, type, param: null, code } };
}

function faultAnswer(fault: MediaFault): MediaAnswer {
  if (fault.status === 0) return { status: 0, headers: {}, body: Buffer.alloc(0) };
  const body =
    fault.body ??
    (fault.status === 429
      ? errorBody('Rate limit reached. Please try again later.', 'rate_limit_exceeded', 'requests')
      : errorBody(`Emulated HTTP ${fault.status}`, null, 'server_error'));
  return json(fault.status, body, fault.headers);
}

/** Pixel size for a request: `WxH` scaled to at most 32 px, an aspect ratio `W:H`, else 16×16. */
export function emulatedSize(size: unknown, aspect: unknown): { width: number; height: number } {
  const scale = (w: number, h: number) => {
    const factor = 32 / Math.max(w, h);
    return { width: Math.max(1, Math.round(w * factor)), height: Math.max(1, Math.round(h * factor)) };
  };
  const dims = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (dims) return scale(Number(dims[1]), Number(dims[2]));
  const ratio = typeof aspect === 'string' ? /^(\d+):(\d+)$/.exec(aspect) : null;
  if (ratio) return scale(Number(ratio[1]), Number(ratio[2]));
  return { width: 16, height: 16 };
}

function colourOf(prompt: string): [number, number, number] {
  const digest = createHash('sha256').update(prompt).digest();
  return [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0];
}

/** The last user message's text and image URLs (chat shape). */
function lastUserMessage(messages: unknown): { text: string; images: string[] } {
  const list = Array.isArray(messages) ? (messages as Array<Record<string, unknown>>) : [];
  const user = [...list].reverse().find((m) => m.role === 'user');
  if (!user) return { text: '', images: [] };
  if (typeof user.content === 'string') return { text: user.content, images: [] };
  const parts = Array.isArray(user.content) ? (user.content as Array<Record<string, unknown>>) : [];
  const text = parts
    .filter((p) => p.type === 'text')
    .map((p) => String(p.text))
    .join('\n');
  const images = parts
    .filter((p) => p.type === 'image_url')
    .map((p) => {
      const url = p.image_url as string | { url?: string };
      return typeof url === 'string' ? url : String(url?.url);
    });
  return { text, images };
}

export class MediaEmulator {
  readonly generations: ImageGeneration[] = [];
  readonly submissions: Array<{ taskId: string; model: string; body: Record<string, unknown> }> = [];
  /** Task id → how many times it was polled. */
  readonly polls = new Map<string, number>();
  /** Paths of files downloaded from this host. */
  readonly downloads: string[] = [];
  private readonly files = new Map<string, { bytes: Buffer; type: string }>();
  private readonly tasks = new Map<string, TaskState>();
  private imageRequests = 0;
  private submitRequests = 0;
  private fileCount = 0;

  constructor(private readonly options: MediaEmulatorOptions = {}) {}

  private imageShape(model: string): ImageShape | undefined {
    return (this.options.imageModels ?? DEFAULT_IMAGE_MODELS)[model];
  }

  private videoModel(model: string): boolean {
    return (this.options.videoModels ?? ['seedance-2-0']).includes(model);
  }

  /** Ends a held task with `status` (its next poll says so). */
  settle(taskId: string, status: VideoStatus): void {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    task.settled = status;
  }

  /** The answer to a media request, or undefined when the request is not one (the script answers). */
  answer(request: MediaRequest): MediaAnswer | undefined {
    let path = new URL(request.url, 'http://emulator').pathname.replace(/\/+$/, '');
    if (path === '/v1' || path.startsWith('/v1/')) path = path.slice(3);
    const body = request.body;
    const origin = this.options.urlOrigin ?? `http://${request.host}`;
    if (request.method === 'POST' && path === '/chat/completions') {
      const model = String(body?.model ?? '');
      const shape = this.imageShape(model);
      return shape && body ? this.chatImage(model, shape, body, origin) : undefined;
    }
    if (request.method === 'POST' && path === '/images/generations') return this.imagesApi(body, origin);
    if (request.method === 'POST' && path === '/contents/generations/tasks') return this.submit(body);
    const task = /^\/contents\/generations\/tasks\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && task) return this.poll(decodeURIComponent(task[1] ?? ''), origin);
    const file = /^\/media\/files\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && file) {
      const stored = this.files.get(decodeURIComponent(file[1] ?? ''));
      if (!stored) return json(404, errorBody('No such file', 'not_found'));
      this.downloads.push(path);
      return { status: 200, headers: { 'content-type': stored.type }, body: stored.bytes };
    }
    return undefined;
  }

  private store(name: string, bytes: Buffer, type: string): string {
    this.files.set(name, { bytes, type });
    return `/v1/media/files/${encodeURIComponent(name)}`;
  }

  private nextImageFault(): MediaFault | undefined {
    return this.options.imageFaults?.[this.imageRequests++];
  }

  private png(prompt: string, size: unknown, aspect: unknown, index: number): Buffer {
    const { width, height } = emulatedSize(size, aspect);
    return solidPng(width, height, colourOf(`${prompt}#${index}`));
  }

  private chatImage(
    model: string,
    shape: ImageShape,
    body: Record<string, unknown>,
    origin: string,
  ): MediaAnswer {
    const fault = this.nextImageFault();
    if (fault) return faultAnswer(fault);
    const { text, images } = lastUserMessage(body.messages);
    this.generations.push({ api: 'chat', model, prompt: text, references: images, body });
    const config = (body.image_config ?? {}) as Record<string, unknown>;
    const n = typeof body.n === 'number' && body.n > 1 ? Math.min(body.n, 4) : 1;
    const pngs = Array.from({ length: n }, (_, i) =>
      this.png(text, config.size ?? body.size, config.aspect_ratio ?? body.aspect_ratio, this.fileCount + i),
    );
    const dataUrls = pngs.map((png) => `data:image/png;base64,${png.toString('base64')}`);
    let message: Record<string, unknown>;
    switch (shape) {
      case 'markdown_data_url':
        message = {
          role: 'assistant',
          content: `Here is the image.\n\n${dataUrls.map((u) => `![image](${u})`).join('\n')}`,
        };
        break;
      case 'markdown_url': {
        const urls = pngs.map(
          (png) => `${origin}${this.store(`img_${++this.fileCount}.png`, png, 'image/png')}`,
        );
        message = { role: 'assistant', content: urls.map((u) => `![generated](${u})`).join('\n') };
        break;
      }
      case 'data_url':
        message = { role: 'assistant', content: dataUrls.join('\n') };
        break;
      case 'images':
        message = {
          role: 'assistant',
          content: '',
          images: dataUrls.map((url) => ({ type: 'image_url', image_url: { url } })),
        };
        break;
      case 'parts':
        message = {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Generated.' },
            ...pngs.map((png, i) =>
              i % 2 === 0
                ? { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }
                : { type: 'image', mime_type: 'image/png', data: png.toString('base64') },
            ),
          ],
        };
        break;
    }
    if (shape !== 'markdown_url') this.fileCount += n;
    return json(200, {
      id: `chatcmpl-img-${this.generations.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { refusal: null, ...message }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 20, completion_tokens: 1290 * n, total_tokens: 20 + 1290 * n },
    });
  }

  private imagesApi(body: Record<string, unknown> | undefined, origin: string): MediaAnswer {
    if (!body || typeof body.prompt !== 'string' || typeof body.model !== 'string')
      return json(400, errorBody("Missing required parameter: 'prompt'.", 'missing_required_parameter'));
    const fault = this.nextImageFault();
    if (fault) return faultAnswer(fault);
    this.generations.push({ api: 'images', model: body.model, prompt: body.prompt, references: [], body });
    const n = typeof body.n === 'number' && body.n > 1 ? Math.min(body.n, 4) : 1;
    const data = Array.from({ length: n }, () => {
      const png = this.png(body.prompt as string, body.size, undefined, this.fileCount++);
      if (body.response_format === 'url')
        return { url: `${origin}${this.store(`img_${this.fileCount}.png`, png, 'image/png')}` };
      return { b64_json: png.toString('base64') };
    });
    return json(200, {
      created: Math.floor(Date.now() / 1000),
      data,
      usage: { input_tokens: 20, output_tokens: 1056 * n, total_tokens: 20 + 1056 * n },
    });
  }

  private planFor(index: number): VideoTaskPlan {
    const plans = this.options.videoTasks;
    const plan = typeof plans === 'function' ? plans(index) : plans?.[index];
    return plan ?? { statuses: ['queued', 'running', 'succeeded'] };
  }

  private submit(body: Record<string, unknown> | undefined): MediaAnswer {
    const index = this.submitRequests++;
    const fault = this.options.submitFaults?.[index];
    if (fault) return faultAnswer(fault);
    const model = String(body?.model ?? '');
    if (!body || !this.videoModel(model))
      return json(
        404,
        errorBody(`The model ${model} does not exist or is not a video model.`, 'model_not_found'),
      );
    if (!Array.isArray(body.content) || body.content.length === 0)
      return json(400, errorBody("Missing required parameter: 'content'.", 'missing_required_parameter'));
    const id = `cgt-${String(this.submissions.length + 1).padStart(4, '0')}`;
    this.tasks.set(id, { id, model, body, plan: this.planFor(this.submissions.length), polls: 0 });
    this.submissions.push({ taskId: id, model, body });
    return json(200, { id });
  }

  private poll(id: string, origin: string): MediaAnswer {
    const task = this.tasks.get(id);
    if (!task) return json(404, errorBody(`The task ${id} does not exist.`, 'not_found'));
    const index = task.polls++;
    this.polls.set(id, task.polls);
    const { statuses } = task.plan;
    let status: VideoStatus | 'rate_limited' =
      index < statuses.length ? (statuses[index] ?? 'running') : (statuses.at(-1) ?? 'running');
    if (task.plan.hold && index >= statuses.length - 1) status = task.settled ?? 'running';
    if (status === 'rate_limited')
      return json(
        429,
        errorBody('Too many requests, please retry later.', 'rate_limit_exceeded', 'requests'),
        { 'retry-after': String(task.plan.retryAfterSeconds ?? 1) },
      );
    const base = {
      id,
      model: task.model,
      status,
      created_at: 1_700_000_000,
      updated_at: 1_700_000_000 + index,
    };
    if (status === 'succeeded') {
      const url = `${origin}${this.store(`${id}.mp4`, fakeVideo(id), 'video/mp4')}`;
      return json(200, { ...base, content: { video_url: url }, usage: { completion_tokens: 108900 } });
    }
    if (status === 'failed' || status === 'expired')
      return json(200, {
        ...base,
        error: {
          code: status === 'failed' ? 'InternalServiceError' : 'TaskExpired',
          message: task.plan.error ?? (status === 'failed' ? 'The generation failed.' : 'The task expired.'),
        },
      });
    return json(200, base);
  }
}

/** The images the loop's model was shown (vision inputs), in request order, from recorded bodies. */
export function visionInputs(bodies: Array<Record<string, unknown> | undefined>): string[][] {
  return bodies.map((body) => {
    const found: string[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        const part = value as Record<string, unknown>;
        if (part.type === 'input_image' && typeof part.image_url === 'string') found.push(part.image_url);
        else if (part.type === 'image_url') {
          const url = part.image_url as string | { url?: string };
          found.push(typeof url === 'string' ? url : String(url?.url));
        } else Object.values(part).forEach(visit);
      }
    };
    visit(body?.input ?? body?.messages);
    return found;
  });
}
