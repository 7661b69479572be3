/**
 * Cost and spend caps over the app-server: token-usage notifications carry what the usage cost,
 * turn/start takes per-turn caps, thread/start's config takes the session's. Every message is
 * checked against Codex's v2 JSON Schema (Spool's fields are additions it allows).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
import { tempDir } from '../support/thread.js';
import { serverEnv, streamClient } from './support/harness.js';
import type { ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

async function setup(options: Parameters<typeof startEmulator>[0]): Promise<ProtocolClient> {
  emulator = await startEmulator(options);
  server = new AppServer({ env: serverEnv(emulator) });
  const { client } = streamClient(server);
  await client.initialize();
  return client;
}

const PRICES = { model_prices: { 'gpt-test': { input: 2, cached_input: 0.5, output: 8 } } };

describe('cost and caps in the app-server', () => {
  it('adds the cost of last, turn and total to thread/tokenUsage/updated', async () => {
    const client = await setup({ script: [respond(say('Priced.'))] });
    const threadId = (
      await client.call('thread/start', { cwd: tempDir(), model: 'gpt-test', config: PRICES })
    ).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
    expect((await client.turnCompleted(turn.id)).params.turn.status).toBe('completed');
    const [update] = client.notifications('thread/tokenUsage/updated', (p) => p.turnId === turn.id);
    const r = emulator!.requests[0]!;
    const out = update.tokenUsage.last.outputTokens;
    const usd = ((r.inputTokens - r.cachedTokens) * 2 + r.cachedTokens * 0.5 + out * 8) / 1e6;
    expect(update.tokenUsage.cost.last.usd).toBeCloseTo(usd, 12);
    expect(update.tokenUsage.cost.total.usd).toBeCloseTo(usd, 12);
    expect(update.tokenUsage.cost.last.outputUsd).toBeCloseTo((out * 8) / 1e6, 12);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('stops a turn at turn/start maxTokens and lets the next turn go on without it', async () => {
    const client = await setup({ script: [respond(say('Finished.'))] });
    const threadId = (await client.call('thread/start', { cwd: tempDir(), model: 'gpt-test' })).thread.id;
    const { turn } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'go' }],
      maxTokens: 1,
    });
    const stopped = (await client.turnCompleted(turn.id)).params.turn;
    expect(stopped.status).toBe('failed');
    expect(stopped.error.message).toContain("the turn's max_turn_tokens cap is 1 tokens");
    expect(emulator!.requests).toHaveLength(0);

    const next = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'go on' }] });
    expect((await client.turnCompleted(next.turn.id)).params.turn.status).toBe('completed');
    expect(emulator!.requests).toHaveLength(1);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('takes the session cap from thread/start config', async () => {
    const client = await setup({ script: [respond(say('One.')), respond(say('Two.'))] });
    const threadId = (
      await client.call('thread/start', {
        cwd: tempDir(),
        model: 'gpt-test',
        config: { ...PRICES, max_cost_usd: 0.000001 },
      })
    ).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
    const stopped = (await client.turnCompleted(turn.id)).params.turn;
    expect(stopped.status).toBe('failed');
    expect(stopped.error.message).toMatch(
      /the session's max_cost_usd cap is <\$0\.0001 and \$0\.00 has been spent/,
    );
    expect(emulator!.requests).toHaveLength(0);
  });
});
