/**
 * `supports_websockets` (Codex's per-provider key) turns the Responses WebSocket mode on for that
 * provider only; the client made for it is the WebSocket client, and HTTP stays the default.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuntime } from '../../src/config/runtime.js';
import { createModelClient } from '../../src/model/client-factory.js';
import { ResponsesClient } from '../../src/model/responses-client.js';
import { ResponsesWsClient } from '../../src/model/responses-ws-client.js';
import { tempDir } from '../support/thread.js';

function runtimeWith(toml: string) {
  const home = tempDir('spool-home-');
  fs.writeFileSync(path.join(home, 'config.toml'), toml);
  return loadRuntime({}, { SPOOL_HOME: home, PATH: process.env.PATH, OPENAI_API_KEY: 'k' });
}

describe('supports_websockets', () => {
  it('is off unless a provider opts in', () => {
    const runtime = runtimeWith('model = "gpt-5"\n');
    expect(runtime.endpoint.supportsWebsockets).toBeUndefined();
    expect(createModelClient(runtime)).toBeInstanceOf(ResponsesClient);
  });

  it('turns the mode on for the provider that sets it, with its connect timeout', () => {
    const runtime = runtimeWith(
      [
        'model_provider = "proxy"',
        '[model_providers.proxy]',
        'base_url = "http://127.0.0.1:9/v1"',
        'supports_websockets = true',
        'websocket_connect_timeout_ms = 2500',
      ].join('\n'),
    );
    expect(runtime.endpoint).toMatchObject({ supportsWebsockets: true, websocketConnectTimeoutMs: 2500 });
    const client = createModelClient(runtime);
    expect(client).toBeInstanceOf(ResponsesWsClient);
    client.close?.();
  });

  it('means nothing for a Chat Completions provider', () => {
    const runtime = runtimeWith(
      [
        'model_provider = "local"',
        '[model_providers.local]',
        'base_url = "http://127.0.0.1:9/v1"',
        'wire_api = "chat"',
        'supports_websockets = true',
      ].join('\n'),
    );
    expect(runtime.endpoint.supportsWebsockets).toBeUndefined();
  });

  it('is refused when it is not a boolean', () => {
    expect(() => runtimeWith('[model_providers.openai]\nsupports_websockets = "yes"\n')).toThrow(
      /supports_websockets/,
    );
  });
});
