/**
 * `generate_image {prompt, model?, size | aspect_ratio?, n?, reference_images?}`: one request to the
 * image model — over Chat Completions with image output (default), or OpenAI's Images API
 * (`[media] image_api = "images"`) — priced and checked against the budget first, journaled before
 * it is sent, the images saved under the output folder with a manifest entry each.
 */
import path from 'node:path';
import { z } from 'zod';
import { LocalImageError, localImagePart } from '../context/local-image.js';
import { formatUsd } from '../model/prices.js';
import { functionSpec, parseJsonArguments } from '../tools/spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../tools/types.js';
import { download, MediaHttpError } from './http.js';
import {
  extensionFor,
  type ImageSource,
  imagesFromChat,
  imagesFromImagesApi,
  sniffImage,
} from './image-answer.js';
import type { ManifestEntry } from './outputs.js';
import { completedItem, failedItem, type MediaStudio, mediaItem } from './studio.js';
import { resolveViewable, ViewablePathError } from './view-media.js';

const GenerateImageArgs = z
  .object({
    prompt: z.string().min(1).describe('What to draw: subject, composition, style, text to render.'),
    model: z.string().optional().describe('Image model (default: the configured image model).'),
    size: z.string().optional().describe('Output size, e.g. "1024x1024" or a resolution label such as "2K".'),
    aspect_ratio: z.string().optional().describe('Aspect ratio such as "16:9" (instead of size).'),
    n: z.number().int().min(1).max(4).optional().describe('How many images (1–4, default 1).'),
    reference_images: z
      .array(z.string())
      .max(8)
      .optional()
      .describe('Images to work from: paths of earlier outputs (or files in the working directory).'),
  })
  .strict();
type GenerateImageArgs = z.infer<typeof GenerateImageArgs>;

const DESCRIPTION = `Generates images with an image model and saves them in the output folder.
Each call is charged (its price is checked against the remaining budget before anything is sent); the result lists the saved files, the cost and the spend so far.
Look at what you made with view_media before deciding whether it meets the brief.`;

/** Most bytes one image may have when downloaded. */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

function chatBody(args: GenerateImageArgs, model: string, references: string[]) {
  const config: Record<string, string> = {};
  if (args.aspect_ratio) config.aspect_ratio = args.aspect_ratio;
  if (args.size) config.size = args.size;
  return {
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: args.prompt },
          ...references.map((url) => ({ type: 'image_url', image_url: { url } })),
        ],
      },
    ],
    modalities: ['image', 'text'],
    ...(args.n && args.n > 1 ? { n: args.n } : {}),
    ...(Object.keys(config).length > 0 ? { image_config: config } : {}),
  };
}

function imagesBody(args: GenerateImageArgs, model: string) {
  return { model, prompt: args.prompt, n: args.n ?? 1, ...(args.size ? { size: args.size } : {}) };
}

async function bytesOf(studio: MediaStudio, image: ImageSource, signal: AbortSignal): Promise<Buffer> {
  if (image.kind === 'data') return image.bytes;
  return (await download(studio.endpoint, image.url, { signal, maxBytes: MAX_IMAGE_BYTES })).bytes;
}

/** Reference images as data URLs: files inside the output folder or the working directory only. */
function referenceUrls(paths: string[] | undefined, studio: MediaStudio, cwd: string): string[] {
  return (paths ?? []).map((given) => {
    const file = resolveViewable(given, cwd, studio.out);
    const part = localImagePart(file);
    return part.type === 'input_image' ? part.image_url : '';
  });
}

export function createGenerateImageTool(studio: MediaStudio): ToolHandler<GenerateImageArgs> {
  return {
    name: 'generate_image',
    spec: functionSpec('generate_image', DESCRIPTION, GenerateImageArgs),
    parallel: false,
    parse: (raw) => parseJsonArguments('generate_image', raw, GenerateImageArgs),
    run: (args, ctx) => generateImage(studio, args, ctx),
  };
}

async function generateImage(
  studio: MediaStudio,
  args: GenerateImageArgs,
  ctx: ToolContext,
): Promise<ToolResult> {
  const model = args.model?.trim() || studio.defaults.imageModel;
  const api = studio.defaults.imageApi;
  const count = args.n ?? 1;
  const item = mediaItem(ctx.items.newItemId(), 'generate_image', args);
  const fail = (message: string): ToolResult => {
    ctx.items.completed(failedItem(item, message));
    return { output: message, success: false };
  };
  let references: string[];
  try {
    references = referenceUrls(args.reference_images, studio, ctx.cwd);
  } catch (err) {
    if (!(err instanceof LocalImageError) && !(err instanceof ViewablePathError)) throw err;
    return fail(`Cannot use reference image: ${err.message}. Nothing was submitted.`);
  }
  if (references.length > 0 && api === 'images')
    return fail(
      'reference_images need the chat image API ([media] image_api = "chat"); nothing was submitted.',
    );
  const price = studio.quote(model, {
    kind: 'image',
    count,
    ...(args.size ? { resolution: args.size } : {}),
  });
  const refusal = studio.budgetRefusal(model, price);
  if (refusal) return fail(refusal);
  const declined = await studio.approve(ctx, 'generate_image', args, args.prompt, price, item.id);
  if (declined) return fail(declined);

  ctx.items.started(item);
  const params: Record<string, unknown> = {
    api,
    ...(args.size ? { size: args.size } : {}),
    ...(args.aspect_ratio ? { aspect_ratio: args.aspect_ratio } : {}),
    n: count,
    ...(args.reference_images?.length ? { reference_images: args.reference_images } : {}),
  };
  const started = Date.now();
  const sent = await studio.submitOnce(
    ctx,
    { kind: 'image', model, prompt: args.prompt, params, cost_usd: price.usd, basis: price.basis },
    {
      relative: api === 'images' ? 'images/generations' : 'chat/completions',
      body: api === 'images' ? imagesBody(args, model) : chatBody(args, model, references),
      what: 'from the image model',
    },
    (err) =>
      err.outcomeUnknown
        ? `The image request got no answer (${err.message}); it may still have been generated and charged, so it was not sent again.`
        : `The image request failed: ${err.message}. It was not made, and nothing was charged.`,
  );
  if ('failure' in sent) return fail(sent.failure);
  const { answer } = sent;
  const { images, text } =
    api === 'images' ? { images: imagesFromImagesApi(answer), text: '' } : imagesFromChat(answer);
  if (images.length === 0) {
    studio.recordEnd(ctx.callId, 'failed', price.usd, [], 'no image in the answer');
    return fail(`The image model answered without an image${text ? `: ${text.slice(0, 500)}` : ''}.`);
  }
  const saved: string[] = [];
  const problems: string[] = [];
  for (const image of images) {
    try {
      const bytes = await bytesOf(studio, image, ctx.signal);
      const mime = sniffImage(bytes);
      if (!mime) {
        problems.push('an answer part was not an image (unknown format)');
        continue;
      }
      saved.push(studio.out.writeNew(args.prompt, extensionFor(mime), bytes));
    } catch (err) {
      if (!(err instanceof MediaHttpError)) throw err;
      problems.push(err.message);
    }
  }
  const files = saved.map((file) => studio.out.relative(file));
  studio.recordEnd(
    ctx.callId,
    saved.length > 0 ? 'succeeded' : 'failed',
    price.usd,
    files,
    problems.join('; ') || undefined,
  );
  const duration = Date.now() - started;
  const entries: ManifestEntry[] = files.map((file) => ({
    file,
    kind: 'image',
    prompt: args.prompt,
    model,
    params,
    cost_usd: price.usd === null ? null : price.usd / saved.length,
    cost_basis: price.basis,
    duration_ms: duration,
    critique: null,
    session_id: studio.sessionId,
    call_id: ctx.callId,
    created_at: new Date().toISOString(),
  }));
  studio.addToManifest(entries);
  if (saved.length === 0) return fail(`No image could be saved: ${problems.join('; ')}`);
  const shown = saved.map((file) => path.relative(ctx.cwd, file) || file);
  const lines = [
    `Saved ${saved.length} image${saved.length === 1 ? '' : 's'}: ${shown.join(', ')}`,
    `Cost ${formatUsd(price.usd)} (${price.basis}); ${studio.spendLine()}.`,
    ...(text ? [`The model said: ${text.slice(0, 500)}`] : []),
    ...(problems.length ? [`Not saved: ${problems.join('; ')}`] : []),
    'Check it with view_media before deciding whether it meets the brief.',
  ];
  const output = lines.join('\n');
  ctx.items.completed(completedItem(item, output, { files: shown, cost_usd: price.usd, model }));
  return { output, success: true };
}
