/**
 * Outputs stay inside --out and downloads come only from the provider's hosts: paths outside the
 * output folder and the working directory cannot be viewed or used as references, a symlink planted
 * in the folder is never written through, a prompt cannot name a path, and an image URL on another
 * host is refused (unless `[media] download_hosts` lists it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, respond, say } from '../emulator/index.js';
import { pngSize, solidPng } from '../emulator/media-png.js';
import type { MediaEmulatorOptions } from '../emulator/media-server.js';
import { runSpool } from '../support/spool-bin.js';
import { type MediaWorld, mediaWorld, readManifest, toolOutputs } from './helpers.js';

let world: MediaWorld | undefined;
afterEach(async () => {
  await world?.emulator.close();
  world = undefined;
});

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.lstatSync(path.join(dir, f)).isFile())
    .sort();
}

describe('spool media: outputs confined to --out', () => {
  it('writes only inside --out, and views or references nothing outside it and the working directory', async () => {
    world = await mediaWorld([
      respond(call('view_media', { path: '../outside.png' }, 'view_out')),
      respond(call('view_media', { path: '/etc/passwd' }, 'view_etc')),
      respond(call('generate_image', { prompt: 'Ref', reference_images: ['../outside.png'] }, 'ref_out')),
      respond(call('generate_image', { prompt: 'Planted' }, 'planted')),
      respond(call('generate_image', { prompt: '../../escape/me' }, 'escape')),
      respond(call('view_media', { path: 'renders/escape-me-1.png' }, 'view_ok')),
      respond(say('Done.')),
    ]);
    const cwd = path.join(world.project, 'work');
    const out = path.join(cwd, 'renders');
    fs.mkdirSync(out, { recursive: true });
    const outside = path.join(world.project, 'outside.png');
    fs.writeFileSync(outside, solidPng(4, 4, [255, 0, 0]));
    const victim = path.join(world.project, 'victim.txt');
    fs.writeFileSync(victim, 'untouched');
    fs.symlinkSync(victim, path.join(out, 'planted-1.png'));

    const run = await runSpool(['media', '--out', 'renders', 'posters'], { cwd, env: world.env });
    expect(run.code, run.stderr).toBe(0);
    const outputs = toolOutputs(world.emulator);
    expect(outputs.get('view_out')).toContain('is outside the output folder and the working directory');
    expect(outputs.get('view_etc')).toContain('is outside the output folder and the working directory');
    expect(outputs.get('ref_out')).toContain('Cannot use reference image');
    expect(outputs.get('ref_out')).toContain('Nothing was submitted');
    // Only the two generations that were allowed reached the provider.
    expect(world.media.generations.map((g) => g.prompt)).toEqual(['Planted', '../../escape/me']);
    // The planted symlink was not written through; the prompt named no path.
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(outputs.get('planted')).toContain('Saved 1 image: renders/planted-2.png');
    expect(outputs.get('escape')).toContain('Saved 1 image: renders/escape-me-1.png');
    expect(filesUnder(cwd)).toEqual([
      'renders/escape-me-1.png',
      'renders/manifest.json',
      'renders/planted-2.png',
    ]);
    expect(filesUnder(world.project).filter((f) => !f.startsWith('work/'))).toEqual([
      'outside.png',
      'victim.txt',
    ]);
    expect(pngSize(fs.readFileSync(path.join(out, 'planted-2.png')))).toEqual({ width: 16, height: 16 });
    expect(readManifest(out).assets.map((a) => a.file)).toEqual(['planted-2.png', 'escape-me-1.png']);
    expect(outputs.get('view_ok')).toContain('data:image/png;base64,');
  });

  it("downloads only from the provider's hosts (and hosts listed in download_hosts)", async () => {
    const script = () => [
      respond(call('generate_image', { prompt: 'Linked' }, 'linked')),
      respond(say('Done.')),
    ];
    // The image URL names the same server under another host name: not the provider's host.
    const options: MediaEmulatorOptions = { imageModels: { 'gpt-image-2': 'markdown_url' } };
    world = await mediaWorld(script(), options);
    options.urlOrigin = `http://localhost:${world.emulator.port}`;
    const refused = await runSpool(['media', 'a linked image'], { cwd: world.project, env: world.env });
    expect(refused.code, refused.stderr).toBe(0);
    expect(toolOutputs(world.emulator).get('linked')).toContain(
      `refused to download http://localhost:${world.emulator.port}/v1/media/files/img_1.png: only the provider's hosts (127.0.0.1:${world.emulator.port}) are allowed`,
    );
    expect(world.media.downloads).toEqual([]);
    expect(fs.existsSync(path.join(world.project, 'media', 'linked-1.png'))).toBe(false);

    // Listed as a download host (a CDN), the same URL is fetched.
    fs.appendFileSync(
      path.join(world.home, 'config.toml'),
      `download_hosts = ["localhost:${world.emulator.port}"]\n`,
    );
    world.emulator.addSteps(...script());
    const allowed = await runSpool(['media', 'a linked image'], { cwd: world.project, env: world.env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(world.media.downloads).toEqual(['/media/files/img_2.png']);
    expect(pngSize(fs.readFileSync(path.join(world.project, 'media', 'linked-1.png')))).toEqual({
      width: 16,
      height: 16,
    });
  });
});
