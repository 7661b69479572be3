import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalImageError, localImagePart, MAX_IMAGE_BYTES } from '../../src/context/local-image.js';

describe('localImagePart (the one image table for exec --image and the app-server)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-image-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends a known image type inline with its MIME type and the detail asked for', () => {
    const file = path.join(dir, 'shot.JPEG');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    expect(localImagePart(file, 'low')).toEqual({
      type: 'input_image',
      image_url: 'data:image/jpeg;base64,AQID',
      detail: 'low',
    });
    expect(localImagePart(file)).not.toHaveProperty('detail');
  });

  it('refuses other types, missing files and images over the limit by name', () => {
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'x');
    expect(() => localImagePart(text)).toThrow(/unsupported image type \(use \.png, \.jpg/);
    expect(() => localImagePart(path.join(dir, 'gone.png'))).toThrow(LocalImageError);
    const big = path.join(dir, 'big.png');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_IMAGE_BYTES + 1);
    expect(() => localImagePart(big)).toThrow(/larger than 20 MB/);
  });
});
