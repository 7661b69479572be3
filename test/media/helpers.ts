/** Shared set-up of the media tests: a Spool home and project, the emulator with its media side. */
import fs from 'node:fs';
import path from 'node:path';
import { type Emulator, type Step, startEmulator } from '../emulator/index.js';
import { MediaEmulator, type MediaEmulatorOptions } from '../emulator/media-server.js';
import { tempDir } from '../support/thread.js';

export interface MediaWorld {
  emulator: Emulator;
  media: MediaEmulator;
  home: string;
  project: string;
  env: NodeJS.ProcessEnv;
}

/** A home whose config.toml holds `config`, a project folder, and an emulator with media models. */
export async function mediaWorld(
  script:
    | Step[]
    | ((request: import('../emulator/index.js').RecordedRequest, index: number) => Step | undefined),
  options: MediaEmulatorOptions = {},
  config = '',
): Promise<MediaWorld> {
  const home = tempDir('spool-media-home-');
  fs.writeFileSync(path.join(home, 'config.toml'), `[media]\npoll_interval_ms = 20\n${config}`);
  const project = tempDir('spool-media-project-');
  const media = new MediaEmulator(options);
  const emulator = await startEmulator({ script, media });
  return {
    emulator,
    media,
    home,
    project,
    env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home },
  };
}

export function readManifest(dir: string): { assets: Array<Record<string, unknown>> } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    assets: Array<Record<string, unknown>>;
  };
}

/** The model requests (the loop's own, not the media ones). */
export function modelRequests(emulator: Emulator) {
  return emulator.requests.filter((r) => r.wire === 'responses' || r.wire === 'chat');
}

/** The session ids that have a media journal in `home`. */
export function mediaSessions(home: string): string[] {
  const dir = path.join(home, 'media');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => f.replace(/\.jsonl$/, '')) : [];
}

/** The tool outputs (as text) the model was sent, by call id, from the last model request. */
export function toolOutputs(emulator: Emulator): Map<string, string> {
  const last = modelRequests(emulator).at(-1);
  const outputs = new Map<string, string>();
  const input = (last?.body?.input ?? []) as Array<Record<string, unknown>>;
  for (const item of input)
    if (item.type === 'function_call_output')
      outputs.set(
        String(item.call_id),
        typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
      );
  return outputs;
}
