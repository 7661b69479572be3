/**
 * The images in a provider's answer, in each shape platforms answer with — read from the emulator's
 * real answers on the wire — and the Images API as the second wire through the binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imagesFromChat, imagesFromImagesApi, imagesInText } from '../../src/media/image-answer.js';
import { call, type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { pngSize } from '../emulator/media-png.js';
import { type ImageShape, MediaEmulator } from '../emulator/media-server.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld, readManifest, toolOutputs } from './helpers.js';

let emulator: Emulator | undefined;
let world: MediaWorld | undefined;
afterEach(async () => {
  await emulator?.close();
  await world?.emulator.close();
  emulator = undefined;
  world = undefined;
});

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe('image answers in every shape', () => {
  const shapes: ImageShape[] = ['markdown_data_url', 'data_url', 'images', 'parts', 'markdown_url'];
  it.each(shapes)('%s: the images are found and decode as PNGs', async (shape) => {
    emulator = await startEmulator({ media: new MediaEmulator({ imageModels: { painter: shape } }) });
    const answer = await post(`${emulator.url}/chat/completions`, {
      model: 'painter',
      messages: [{ role: 'user', content: 'A square' }],
      n: 2,
      image_config: { aspect_ratio: '2:1' },
    });
    const { images } = imagesFromChat(answer);
    expect(images).toHaveLength(2);
    for (const image of images) {
      let bytes: Buffer;
      if (image.kind === 'url') {
        expect(image.url.startsWith(`http://127.0.0.1:${emulator.port}/`)).toBe(true);
        bytes = Buffer.from(await (await fetch(image.url)).arrayBuffer());
      } else {
        expect(image.mime).toBe('image/png');
        bytes = image.bytes;
      }
      expect(pngSize(bytes)).toEqual({ width: 32, height: 16 });
    }
  });

  it('reads Markdown with titles and bare data URLs once each, and the Images API shapes', async () => {
    const png = 'iVBORw0KGgo=';
    const found = imagesInText(`![a](data:image/png;base64,${png} "title") and data:image/png;base64,${png}`);
    expect(found).toHaveLength(1);
    emulator = await startEmulator({ media: new MediaEmulator() });
    const b64 = await post(`${emulator.url}/images/generations`, { model: 'gpt-image-2', prompt: 'x', n: 2 });
    expect(imagesFromImagesApi(b64).map((i) => i.kind)).toEqual(['data', 'data']);
    const urls = await post(`${emulator.url}/images/generations`, {
      model: 'gpt-image-2',
      prompt: 'x',
      response_format: 'url',
    });
    expect(imagesFromImagesApi(urls).map((i) => i.kind)).toEqual(['url']);
  });

  it('generates over the Images API when [media] image_api = "images"', async () => {
    world = await mediaWorld(
      [
        respond(call('generate_image', { prompt: 'Wide', size: '1536x1024', n: 2 }, 'g1')),
        respond(say('Done.')),
      ],
      {},
      'image_api = "images"\n',
    );
    const run = await runSpool(['media', 'two wide images'], { cwd: world.project, env: world.env });
    expect(run.code, run.stderr).toBe(0);
    expect(world.media.generations).toMatchObject([{ api: 'images', model: 'gpt-image-2', prompt: 'Wide' }]);
    expect(world.media.generations[0]?.body).toMatchObject({ n: 2, size: '1536x1024' });
    expect(toolOutputs(world.emulator).get('g1')).toContain(
      'Saved 2 images: media/wide-1.png, media/wide-2.png',
    );
    expect(toolOutputs(world.emulator).get('g1')).toContain('Cost $0.0600 (2 × $0.03 per image)');
    const dir = path.join(world.project, 'media');
    expect(pngSize(fs.readFileSync(path.join(dir, 'wide-2.png')))).toEqual({ width: 32, height: 21 });
    expect(readManifest(dir).assets.map((a) => a.cost_usd)).toEqual([0.03, 0.03]);
  });
});
