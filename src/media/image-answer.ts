/**
 * The images in a provider's answer, in every shape platforms use (pure):
 * - Chat Completions: `message.images[]` (OpenRouter: `{type:"image_url", image_url:{url}}`);
 *   Markdown images or bare data URLs in `message.content`; content parts — `image_url`, base64
 *   `image` / `output_image` parts (`data`, `b64_json`), Gemini's `inline_data`, Anthropic's
 *   `source: {type:"base64"}`.
 * - OpenAI's Images API: `data[]` of `{b64_json}` or `{url}`.
 */

export type ImageSource = { kind: 'data'; mime: string; bytes: Buffer } | { kind: 'url'; url: string };

type Json = Record<string, unknown>;

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)?(;[a-z0-9-]+=[^;,]*)*;base64,([A-Za-z0-9+/=\s]+)$/i;
const MARKDOWN_IMAGE = /!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const BARE_DATA_URL = /data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+/gi;

/** The MIME type of image bytes by their signature, or undefined. */
export function sniffImage(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  return undefined;
}

export function extensionFor(mime: string): string {
  const map: Record<string, string> = {
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'image/webp': '.webp',
    'image/gif': '.gif',
    'video/mp4': '.mp4',
    'video/webm': '.webm',
    'video/quicktime': '.mov',
  };
  return map[mime.toLowerCase()] ?? '.bin';
}

function decodeDataUrl(url: string): { mime: string; bytes: Buffer } | undefined {
  const match = DATA_URL.exec(url.trim());
  if (!match) return undefined;
  const bytes = Buffer.from((match[3] ?? '').replace(/\s+/g, ''), 'base64');
  return { mime: match[1]?.toLowerCase() ?? sniffImage(bytes) ?? 'application/octet-stream', bytes };
}

function fromBase64(data: string, mime: unknown): ImageSource {
  const bytes = Buffer.from(data.replace(/\s+/g, ''), 'base64');
  return {
    kind: 'data',
    bytes,
    mime: typeof mime === 'string' && mime ? mime : (sniffImage(bytes) ?? 'image/png'),
  };
}

function fromUrl(url: string): ImageSource {
  const decoded = decodeDataUrl(url);
  return decoded ? { kind: 'data', ...decoded } : { kind: 'url', url };
}

function urlOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).url === 'string')
    return (value as Json).url as string;
  return undefined;
}

/** One structured part or `images[]` entry → an image, if it is one. */
function fromPart(part: Json): ImageSource | undefined {
  const url = urlOf(part.image_url) ?? (part.type === 'image_url' ? urlOf(part.url) : undefined);
  if (url) return fromUrl(url);
  const inline = (part.inline_data ?? part.inlineData) as Json | undefined;
  if (inline && typeof inline.data === 'string')
    return fromBase64(inline.data, inline.mime_type ?? inline.mimeType);
  const source = part.source as Json | undefined;
  if (source?.type === 'base64' && typeof source.data === 'string')
    return fromBase64(source.data, source.media_type);
  const data = part.b64_json ?? part.data ?? part.image_base64;
  if (
    typeof data === 'string' &&
    (part.type === 'image' || part.type === 'output_image' || 'b64_json' in part)
  )
    return fromBase64(data, part.mime_type ?? part.media_type ?? part.mimeType);
  if (typeof part.url === 'string' && (part.type === 'image' || part.type === 'output_image'))
    return fromUrl(part.url);
  return undefined;
}

/** Images in a text: Markdown images (data URLs or links), then bare data URLs not already found. */
export function imagesInText(text: string): ImageSource[] {
  const found: ImageSource[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(MARKDOWN_IMAGE)) {
    const url = match[1] ?? '';
    if (seen.has(url)) continue;
    seen.add(url);
    found.push(fromUrl(url));
  }
  for (const match of text.matchAll(BARE_DATA_URL)) {
    if (seen.has(match[0])) continue;
    seen.add(match[0]);
    found.push(fromUrl(match[0]));
  }
  return found;
}

/** The images of a `chat.completion` (every choice), and the text that came with them. */
export function imagesFromChat(answer: unknown): { images: ImageSource[]; text: string } {
  const images: ImageSource[] = [];
  const texts: string[] = [];
  const choices = Array.isArray((answer as Json | undefined)?.choices)
    ? ((answer as Json).choices as Json[])
    : [];
  for (const choice of choices) {
    const message = (choice?.message ?? {}) as Json;
    if (Array.isArray(message.images))
      for (const entry of message.images as Json[]) {
        const image = entry && typeof entry === 'object' ? fromPart(entry) : undefined;
        if (image) images.push(image);
      }
    if (typeof message.content === 'string') {
      images.push(...imagesInText(message.content));
      texts.push(message.content.replace(MARKDOWN_IMAGE, '').replace(BARE_DATA_URL, '').trim());
    } else if (Array.isArray(message.content)) {
      for (const part of message.content as Json[]) {
        if (!part || typeof part !== 'object') continue;
        if (part.type === 'text' && typeof part.text === 'string') {
          images.push(...imagesInText(part.text));
          texts.push(part.text.replace(MARKDOWN_IMAGE, '').replace(BARE_DATA_URL, '').trim());
          continue;
        }
        const image = fromPart(part);
        if (image) images.push(image);
      }
    }
  }
  return { images, text: texts.filter(Boolean).join('\n') };
}

/** The images of an Images API answer. */
export function imagesFromImagesApi(answer: unknown): ImageSource[] {
  const data = Array.isArray((answer as Json | undefined)?.data) ? ((answer as Json).data as Json[]) : [];
  const format = (answer as Json).output_format;
  const mime = typeof format === 'string' ? `image/${format === 'jpg' ? 'jpeg' : format}` : undefined;
  const images: ImageSource[] = [];
  for (const entry of data) {
    if (typeof entry?.b64_json === 'string') images.push(fromBase64(entry.b64_json, mime));
    else if (typeof entry?.url === 'string') images.push(fromUrl(entry.url));
  }
  return images;
}
