/**
 * The guardian on a real thread (in process, against the emulator): parallel requests are reviewed
 * in parallel (a busy guardian is forked), an escalation reaches the attached human with the
 * reviewer's words, a person may approve a denied action once (never for the session), and the
 * policy the guardian gets includes the configured text and AGENTS.md's `## Guardian` section.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Thread } from '../../src/agent/thread.js';
import { loadRuntime } from '../../src/config/runtime.js';
import { type AttachedGuardian, attachGuardian } from '../../src/guardian/attach.js';
import { GuardianConversations } from '../../src/guardian/conversation.js';
import { reviewPrompt } from '../../src/guardian/prompt.js';
import { transcriptEntries } from '../../src/guardian/transcript.js';
import type { SpoolEvent, ThreadItemOf } from '../../src/protocol/events.js';
import type { HistoryItem } from '../../src/protocol/items.js';
import { openThread } from '../../src/session/open-thread.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import {
  byConversation,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  startEmulator,
} from '../emulator/index.js';
import { guardedTool } from '../support/guarded-tool.js';
import { clientFor, tempDir, testSettings } from '../support/thread.js';

let emulator: Emulator | undefined;
let attached: AttachedGuardian | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await attached?.close();
  attached = undefined;
  for (const close of closers.splice(0)) await close();
  await emulator?.close();
  emulator = undefined;
});

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');

function verdict(outcome: 'allow' | 'deny' | 'escalate', rationale: string, delayMs = 0): Step {
  return respond(
    say(JSON.stringify({ risk_level: 'medium', user_authorization: 'implied', outcome, rationale })),
    ...(delayMs ? [{ eventDelayMs: delayMs }] : []),
  );
}

async function setup(
  agent: Step[],
  guardian: Step[],
  options: { config?: string; agentsMd?: string; human?: boolean } = {},
) {
  const script = byConversation([
    { name: 'guardian', match: isGuardian, steps: guardian },
    { name: 'agent', match: () => true, steps: agent },
  ]);
  emulator = await startEmulator({ script });
  const home = tempDir('spool-guardian-home-');
  const work = tempDir('spool-guardian-work-');
  closers.push(async () => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });
  fs.writeFileSync(
    path.join(home, 'config.toml'),
    `approvals_reviewer = "auto_review"\n${options.config ?? ''}`,
  );
  if (options.agentsMd) fs.writeFileSync(path.join(work, 'AGENTS.md'), options.agentsMd);
  const runtime = loadRuntime(
    { cwd: work, approvalPolicy: 'on-request' },
    {
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: home,
      PATH: process.env.PATH,
    },
  );
  const runs: string[] = [];
  const registry = new ToolRegistry([guardedTool(runs)]);
  const { thread } = openThread(runtime, { registry, close: async () => {} }, { kind: 'ephemeral' });
  closers.push(() => thread.close());
  const events: SpoolEvent[] = [];
  thread.subscribe((event) => events.push(event));
  attached = attachGuardian(thread, runtime, { humanAttached: () => options.human ?? false });
  return { thread, events, runs, script };
}

function reviewItems(events: SpoolEvent[]): Array<ThreadItemOf<'auto_approval_review'>> {
  return events.flatMap((e) =>
    e.type === 'item.completed' && e.item.type === 'auto_approval_review' ? [e.item] : [],
  );
}

describe('the guardian on a thread', () => {
  it('reviews parallel requests in parallel: a busy guardian is forked, not queued', async () => {
    const { thread, runs, script, events } = await setup(
      [respond(call('guarded', { what: 'a' }), call('guarded', { what: 'b' })), respond(say('ok'))],
      [verdict('allow', 'fine, slowly', 150), verdict('allow', 'fine, slowly', 150)],
    );
    expect((await thread.runTurn('do a and b')).status).toBe('completed');
    expect(runs.sort()).toEqual(['a', 'b']);
    const guardian = script.requestsOf('guardian');
    expect(guardian).toHaveLength(2);
    // Both reviews were in flight at once (the second started before the first was answered),
    // on two conversations: the cached one and a fork.
    const keys = new Set(guardian.map((r) => r.body?.prompt_cache_key));
    expect(keys.size).toBe(2);
    const [first, second] = guardian as [RecordedRequest, RecordedRequest];
    expect(Math.abs(second.receivedAt - first.receivedAt)).toBeLessThan(1000);
    expect(reviewItems(events).map((i) => i.status)).toEqual(['approved', 'approved']);
  });

  it('a later review after a fork still extends the cached conversation', async () => {
    const { thread, script } = await setup(
      [
        respond(call('guarded', { what: 'a' }), call('guarded', { what: 'b' })),
        respond(call('guarded', { what: 'c' })),
        respond(say('ok')),
      ],
      [verdict('allow', 'a', 100), verdict('allow', 'b', 100), verdict('allow', 'c')],
    );
    expect((await thread.runTurn('go')).status).toBe('completed');
    const guardian = script.requestsOf('guardian');
    expect(guardian).toHaveLength(3);
    const third = guardian[2] as RecordedRequest;
    const earlier = guardian
      .slice(0, 2)
      .find((r) => r.body?.prompt_cache_key === third.body?.prompt_cache_key);
    expect(earlier).toBeDefined();
    const before = earlier?.body?.input as unknown[];
    expect(((third.body?.input ?? []) as unknown[]).slice(0, before.length)).toEqual(before);
    expect(third.cachedTokens).toBeGreaterThan(0);
  });

  it('an approval covers one action: the same request again is reviewed again', async () => {
    const { thread, runs, script } = await setup(
      [respond(call('guarded', { what: 'x' })), respond(call('guarded', { what: 'x' })), respond(say('ok'))],
      [verdict('allow', 'once'), verdict('deny', 'not twice')],
    );
    expect((await thread.runTurn('do x twice')).status).toBe('completed');
    expect(runs).toEqual(['x']);
    expect(script.requestsOf('guardian')).toHaveLength(2);
  });

  it('an escalation asks the attached human, with the reviewer’s rationale', async () => {
    const { thread, runs, events } = await setup(
      [respond(call('guarded', { what: 'x' })), respond(say('ok'))],
      [verdict('escalate', 'Only the user knows whether x is wanted.')],
      { human: true },
    );
    thread.subscribe((event) => {
      if (event.type === 'approval.requested') thread.resolveApproval(event.request.id, 'approved');
    });
    expect((await thread.runTurn('do x')).status).toBe('completed');
    expect(runs).toEqual(['x']);
    const asked = events.flatMap((e) => (e.type === 'approval.requested' ? [e.request] : []));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.reason).toMatch(
      /The automatic reviewer asks you.*Only the user knows whether x is wanted/,
    );
    expect(reviewItems(events).map((i) => i.status)).toEqual(['escalated']);
  });

  it('a person approves a denied action once: the model is told, the same action runs once, unreviewed', async () => {
    const { thread, runs, events, script } = await setup(
      [
        respond(call('guarded', { what: 'x' })),
        respond(say('it was denied')),
        respond(call('guarded', { what: 'x' })),
        respond(call('guarded', { what: 'x' })),
        respond(say('done')),
      ],
      [verdict('deny', 'x looks risky.'), verdict('deny', 'x again.')],
    );
    expect((await thread.runTurn('do x')).status).toBe('completed');
    expect(runs).toEqual([]);
    const denied = reviewItems(events)[0];
    expect(denied?.status).toBe('denied');
    expect(attached?.reviewer.approveDenied('no-such-review')).toBe(false);
    expect(attached?.reviewer.approveDenied(denied?.id ?? '')).toBe(true);
    expect(attached?.reviewer.approveDenied(denied?.id ?? '')).toBe(false);
    expect((await thread.runTurn('try again')).status).toBe('completed');
    // Ran once, without asking the guardian; the second identical request was reviewed (denied).
    expect(runs).toEqual(['x']);
    expect(reviewItems(events).map((i) => [i.status, i.decision_source])).toEqual([
      ['denied', 'guardian'],
      ['approved', 'user'],
      ['denied', 'guardian'],
    ]);
    expect(script.requestsOf('guardian')).toHaveLength(2);
    // The agent's model was told before its next request; so was the guardian (its excerpt).
    const agentSecondTurn = script.requestsOf('agent')[2]?.bodyText ?? '';
    expect(agentSecondTurn).toContain('The user approved an action the automatic reviewer had denied: do x');
    expect(script.requestsOf('guardian')[1]?.bodyText).toContain(
      'developer: The user approved an action the automatic reviewer had denied',
    );
  });

  it('the guardian is told the configured policy and the AGENTS.md "## Guardian" section', async () => {
    const { thread, script } = await setup(
      [respond(call('guarded', { what: 'x' })), respond(say('ok'))],
      [verdict('allow', 'ok')],
      {
        config: '[auto_review]\npolicy = "Never allow anything that touches production."\n',
        agentsMd: '# Project\nUse pnpm.\n\n## Guardian\nDeploy scripts need the user.\n\n## Style\nTabs.\n',
      },
    );
    expect((await thread.runTurn('go')).status).toBe('completed');
    const [request] = script.requestsOf('guardian');
    const developer = (
      (request?.body?.input ?? []) as Array<{ role?: string; content?: Array<{ text: string }> }>
    )
      .filter((i) => i.role === 'developer')
      .flatMap((i) => i.content?.map((c) => c.text) ?? [])
      .join('\n');
    expect(developer).toContain(
      "## Policy from the user's configuration\nNever allow anything that touches production.",
    );
    expect(developer).toContain("## Policy from the project's AGENTS.md\nDeploy scripts need the user.");
    expect(developer).not.toContain('Tabs.');
  });

  it('after the guardian’s own context was compacted, the next question carries the whole excerpt', async () => {
    emulator = await startEmulator({ script: () => respond(say('{}')) });
    const url = emulator.url;
    const opened: Thread[] = [];
    const conversations = new GuardianConversations(() => {
      const thread = new Thread({
        client: clientFor('responses', url),
        settings: testSettings(),
        tools: new ToolRegistry([]),
      });
      opened.push(thread);
      closers.push(() => thread.close());
      return thread;
    }, 10_000);
    const signal = new AbortController().signal;
    const history: HistoryItem[] = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'the first request' }] },
    ];
    const ask = () =>
      conversations.ask(
        (cursor) => reviewPrompt(transcriptEntries(history), cursor, '{"tool":"shell"}', 'reviewed'),
        signal,
      );
    const lastPrompt = () => {
      const input = emulator?.requests.at(-1)?.body?.input as Array<{
        role?: string;
        content?: Array<{ text?: string }>;
      }>;
      return input.filter((i) => i.role === 'user').at(-1)?.content?.[0]?.text ?? '';
    };
    expect((await ask()).status).toBe('answered');
    expect(lastPrompt()).toContain('>>> TRANSCRIPT START');
    history.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'working' }] });
    expect((await ask()).status).toBe('answered');
    expect(lastPrompt()).toContain('>>> TRANSCRIPT DELTA START');
    // Compact the guardian before its next request, then ask again with nothing compacting.
    opened[0]?.updateSettings({ autoCompactTokenLimit: 1 });
    history.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'more' }] });
    expect((await ask()).status).toBe('answered');
    opened[0]?.updateSettings({ autoCompactTokenLimit: 1_000_000 });
    history.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'again' }] });
    expect((await ask()).status).toBe('answered');
    expect(lastPrompt()).toContain('>>> TRANSCRIPT START\n[1] user: the first request');
    expect(opened).toHaveLength(1);
  });
});
