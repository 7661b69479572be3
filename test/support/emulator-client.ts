/** Emulators with a raw `openai` SDK client, closed after each test. */
import OpenAI from 'openai';
import { afterEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.js';

/** Registers the cleanup and returns `start(options)` → the emulator and a client on it. */
export function useEmulators(): (options: EmulatorOptions) => Promise<{ emu: Emulator; client: OpenAI }> {
  const emulators: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((emu) => emu.close()));
  });
  return async (options) => {
    const emu = await startEmulator(options);
    emulators.push(emu);
    return { emu, client: new OpenAI({ baseURL: emu.url, apiKey: 'x', maxRetries: 0 }) };
  };
}
