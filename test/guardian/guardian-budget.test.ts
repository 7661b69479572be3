/** The guardian's reviews count toward the reviewed thread's spend caps (its root's budget). */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadRuntime } from '../../src/config/runtime.js';
import { type AttachedGuardian, attachGuardian } from '../../src/guardian/attach.js';
import type { SpoolEvent, SpoolEventOf } from '../../src/protocol/events.js';
import { openThread } from '../../src/session/open-thread.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { functionSpec, parseJsonArguments } from '../../src/tools/spec.js';
import type { ToolHandler } from '../../src/tools/types.js';
import {
  byConversation,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  say,
  startEmulator,
} from '../emulator/index.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
let attached: AttachedGuardian | undefined;
afterEach(async () => {
  await attached?.close();
  attached = undefined;
  await emulator?.close();
  emulator = undefined;
});

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');

function guardedTool(): ToolHandler<{ what: string }> {
  const schema = z.object({ what: z.string() });
  return {
    name: 'guarded',
    spec: functionSpec('guarded', 'Asks first.', schema),
    parallel: true,
    parse: (raw) => parseJsonArguments('guarded', raw, schema),
    run: async (args, ctx) => {
      const outcome = await ctx.requestApproval({
        kind: 'command',
        command: ['do', args.what],
        display: `do ${args.what}`,
        cwd: ctx.cwd,
        reason: 'it changes things',
        policy: ctx.approvalPolicy,
      });
      return { output: `${args.what}: ${outcome.decision}`, success: outcome.decision === 'approved' };
    },
  };
}

describe('the guardian and the spend caps', () => {
  it('charges the guardian’s requests to the reviewed thread’s budget', async () => {
    const verdict = JSON.stringify({
      risk_level: 'low',
      user_authorization: 'implied',
      outcome: 'allow',
      rationale: 'fine',
    });
    const script = byConversation([
      { name: 'guardian', match: isGuardian, steps: [respond(say(verdict))] },
      {
        name: 'agent',
        match: () => true,
        steps: [respond(call('guarded', { what: 'a' })), respond(say('done'))],
      },
    ]);
    emulator = await startEmulator({ script });
    const home = tempDir('spool-guardian-home-');
    fs.writeFileSync(
      path.join(home, 'config.toml'),
      'approvals_reviewer = "auto_review"\nmax_tokens = 10000000\n',
    );
    const runtime = loadRuntime(
      { cwd: tempDir(), approvalPolicy: 'on-request' },
      { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home, PATH: process.env.PATH },
    );
    const { thread } = openThread(
      runtime,
      { registry: new ToolRegistry([guardedTool()]), close: async () => {} },
      { kind: 'ephemeral' },
    );
    const events: SpoolEvent[] = [];
    thread.subscribe((event) => events.push(event));
    attached = attachGuardian(thread, runtime, { humanAttached: () => false });
    expect((await thread.runTurn('do a')).status).toBe('completed');

    const agentTokens = events
      .filter((e): e is SpoolEventOf<'usage.updated'> => e.type === 'usage.updated')
      .reduce((sum, e) => sum + e.last.input_tokens + e.last.output_tokens, 0);
    const guardianInput = script.requestsOf('guardian').reduce((sum, r) => sum + r.inputTokens, 0);
    expect(guardianInput).toBeGreaterThan(0);
    expect(thread.budget.spent.tokens - agentTokens).toBeGreaterThan(guardianInput);
    await thread.close();
  });
});
