/** Builds real threads wired to an emulator, for wire-level tests of the loop. */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Thread } from '../../src/agent/thread.js';
import { DEFAULT_TURN_RETRY } from '../../src/config/retry.js';
import { BASE_INSTRUCTIONS } from '../../src/context/base-instructions.js';
import { ChatCompletionsClient } from '../../src/model/chat-client.js';
import type { HttpEndpoint } from '../../src/model/endpoint.js';
import { ResponsesClient } from '../../src/model/responses-client.js';
import type { ModelClient } from '../../src/model/types.js';
import type { SpoolEvent } from '../../src/protocol/events.js';
import { defaultSandboxPolicy } from '../../src/protocol/policy.js';
import type { ThreadSettings } from '../../src/protocol/settings.js';
import type { ToolRegistry } from '../../src/tools/registry.js';
import type { Emulator } from '../emulator/index.js';

export function tempDir(prefix = 'spool-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function testSettings(overrides: Partial<ThreadSettings> = {}): ThreadSettings {
  const cwd = overrides.cwd ?? tempDir();
  return {
    model: 'gpt-test',
    cwd,
    baseInstructions: BASE_INSTRUCTIONS,
    sandbox: defaultSandboxPolicy('danger-full-access'),
    approvalPolicy: 'never',
    bypassSandbox: false,
    shellEnv: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
    parallelToolCalls: true,
    retry: { ...DEFAULT_TURN_RETRY, baseDelayMs: 1, maxDelayMs: 5 },
    spoolHome: path.join(cwd, '.spool-home-for-tests'),
    projectDocMaxBytes: 32 * 1024,
    projectDocFallbackFilenames: [],
    contextWindow: 128_000,
    autoCompactTokenLimit: 115_200,
    compaction: 'auto',
    ...overrides,
  };
}

export interface ThreadHarness {
  thread: Thread;
  events: SpoolEvent[];
}

export type WireName = 'responses' | 'chat';
export const WIRES: WireName[] = ['responses', 'chat'];

export function clientFor(wire: WireName, url: string, idleTimeoutMs = 10_000): ModelClient {
  const endpoint: HttpEndpoint = {
    baseURL: url,
    apiKey: 'test-key',
    idleTimeoutMs,
    errorContext: { apiKeyEnvVar: 'OPENAI_API_KEY', providerName: 'OpenAI' },
  };
  return wire === 'responses' ? new ResponsesClient(endpoint) : new ChatCompletionsClient(endpoint);
}

export function threadOn(
  emulator: Emulator,
  tools: ToolRegistry,
  settings: Partial<ThreadSettings> = {},
  endpoint: { idleTimeoutMs?: number; wire?: WireName } = {},
): ThreadHarness {
  const client = clientFor(endpoint.wire ?? 'responses', emulator.url, endpoint.idleTimeoutMs);
  const thread = new Thread({ client, settings: testSettings(settings), tools });
  const events: SpoolEvent[] = [];
  thread.subscribe((event) => events.push(event));
  return { thread, events };
}
