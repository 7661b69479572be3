/**
 * `view_media {path}`: puts an image — or frames of a video, when `ffmpeg` is installed — into the
 * next request as image inputs, so the vision model can critique it against the brief and the brand
 * guide. Only files inside the output folder or the working directory can be viewed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { imageMimeType, LocalImageError, localImagePart } from '../context/local-image.js';
import type { ContentPart } from '../protocol/items.js';
import { functionSpec, parseJsonArguments } from '../tools/spec.js';
import type { ToolContext, ToolHandler, ToolResult } from '../tools/types.js';
import type { OutputFolder } from './outputs.js';
import type { MediaStudio } from './studio.js';

const run = promisify(execFile);

const ViewMediaArgs = z
  .object({ path: z.string().min(1).describe('The image or video to look at (as generate_* reported it).') })
  .strict();
type ViewMediaArgs = z.infer<typeof ViewMediaArgs>;

const DESCRIPTION = `Shows you an image (or frames of a video) you generated, so you can critique it against the brief and the brand guide.
The image arrives with this call's result. Afterwards record your verdict with critique_media.`;

const VIDEO_EXTENSIONS = new Set(['.mp4', '.webm', '.mov', '.mkv']);
/** Frames shown of a video, spread over its length. */
const FRAMES = 4;

export class ViewablePathError extends Error {
  override name = 'ViewablePathError';
}

function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The real path of `given` if it is a file inside the output folder or `cwd`; else throws. */
export function resolveViewable(given: string, cwd: string, out: OutputFolder): string {
  const candidate = path.resolve(cwd, given);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ViewablePathError(`${given} does not exist`);
    throw new ViewablePathError(`${given} cannot be read: ${(err as Error).message}`);
  }
  if (!out.contains(real) && !inside(fs.realpathSync(cwd), real))
    throw new ViewablePathError(`${given} is outside the output folder and the working directory`);
  if (!fs.statSync(real).isFile()) throw new ViewablePathError(`${given} is not a file`);
  return real;
}

async function ffmpegAvailable(): Promise<boolean> {
  try {
    await run('ffmpeg', ['-version'], { timeout: 10_000 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function videoSeconds(file: string, signal: AbortSignal): Promise<number | undefined> {
  try {
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
      { timeout: 30_000, signal },
    );
    const seconds = Number(stdout.trim());
    return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT' || typeof (err as { code?: unknown }).code === 'number')
      return undefined;
    throw err;
  }
}

/** Frames of `file` as image parts, through ffmpeg (a temporary folder, removed afterwards). */
async function videoFrames(file: string, signal: AbortSignal): Promise<ContentPart[]> {
  const seconds = (await videoSeconds(file, signal)) ?? 1;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-frames-'));
  try {
    const parts: ContentPart[] = [];
    for (let i = 0; i < FRAMES; i++) {
      const at = (seconds * (i + 0.5)) / FRAMES;
      const frame = path.join(dir, `frame-${i}.png`);
      await run(
        'ffmpeg',
        [
          '-v',
          'error',
          '-ss',
          at.toFixed(3),
          '-i',
          file,
          '-frames:v',
          '1',
          '-vf',
          'scale=512:-2',
          '-y',
          frame,
        ],
        { timeout: 60_000, signal },
      );
      if (fs.existsSync(frame)) {
        parts.push({ type: 'input_text', text: `Frame at ${at.toFixed(1)} s:` });
        parts.push(localImagePart(frame, 'low'));
      }
    }
    return parts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function createViewMediaTool(studio: MediaStudio): ToolHandler<ViewMediaArgs> {
  return {
    name: 'view_media',
    spec: functionSpec('view_media', DESCRIPTION, ViewMediaArgs),
    parallel: true,
    parse: (raw) => parseJsonArguments('view_media', raw, ViewMediaArgs),
    run: (args, ctx) => viewMedia(studio, args, ctx),
  };
}

async function viewMedia(studio: MediaStudio, args: ViewMediaArgs, ctx: ToolContext): Promise<ToolResult> {
  let file: string;
  try {
    file = resolveViewable(args.path, ctx.cwd, studio.out);
  } catch (err) {
    if (!(err instanceof ViewablePathError)) throw err;
    return { output: `Cannot view ${args.path}: ${err.message}.`, success: false };
  }
  const shown = path.relative(ctx.cwd, file) || file;
  if (imageMimeType(file)) {
    try {
      return { output: [{ type: 'input_text', text: `${shown}:` }, localImagePart(file)], success: true };
    } catch (err) {
      if (!(err instanceof LocalImageError)) throw err;
      return { output: `Cannot view ${shown}: ${err.message}.`, success: false };
    }
  }
  if (!VIDEO_EXTENSIONS.has(path.extname(file).toLowerCase()))
    return { output: `Cannot view ${shown}: not an image or a video.`, success: false };
  if (!(await ffmpegAvailable()))
    return {
      output: `Cannot show frames of ${shown}: ffmpeg is not installed, so the video cannot be looked at. Judge it by its task's report, or ask the user to review it.`,
      success: false,
    };
  try {
    const frames = await videoFrames(file, ctx.signal);
    if (frames.length === 0) return { output: `ffmpeg found no frames in ${shown}.`, success: false };
    return {
      output: [{ type: 'input_text', text: `${shown}, ${FRAMES} frames:` }, ...frames],
      success: true,
    };
  } catch (err) {
    if (err instanceof LocalImageError)
      return { output: `Cannot view ${shown}: ${err.message}.`, success: false };
    const stderr = (err as { stderr?: string }).stderr;
    if (stderr !== undefined || (err as { code?: unknown }).code !== undefined)
      return {
        output: `ffmpeg could not read ${shown}: ${(stderr ?? (err as Error).message).trim().slice(0, 400)}`,
        success: false,
      };
    throw err;
  }
}
