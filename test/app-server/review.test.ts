/**
 * review/start at the wire: a read-only reviewer thread reviews the thread's repository and the
 * review is shown as a turn — of the thread itself (inline: it joins the history and the usage) or
 * of a new thread (detached) — with Codex's enteredReviewMode/exitedReviewMode items plus the
 * findings as data. Every message is checked against Codex's v2 JSON Schema.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/index.js';
import {
  applyPatchCall,
  type Emulator,
  respond,
  type Step,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { DIVIDE_BY_ZERO, finding, MATH_AFTER, makeRepo, reviewAnswer } from '../review/helpers.js';
import { SPOOL_BIN } from '../support/spool-bin.js';
import { onLines, serverEnv, streamClient } from './support/harness.js';
import { type Loose, ProtocolClient } from './support/protocol-client.js';

let emulator: Emulator | undefined;
let server: AppServer | undefined;
afterEach(async () => {
  await server?.close();
  await emulator?.close();
  server = undefined;
  emulator = undefined;
});

type Json = Record<string, Loose>;

async function setup(script: Step[]): Promise<{ client: ProtocolClient; repo: string; threadId: string }> {
  const { repo } = makeRepo();
  emulator = await startEmulator({ script });
  server = new AppServer({ env: serverEnv(emulator) });
  const { client } = streamClient(server);
  await client.initialize();
  const started = await client.call('thread/start', { cwd: repo });
  return { client, repo, threadId: started.thread.id as string };
}

function items(client: ProtocolClient, turnId: string): Json[] {
  return client.notifications('item/completed', (p) => p.turnId === turnId).map((p) => p.item as Json);
}

describe('review/start', { timeout: 120_000 }, () => {
  it('inline: a turn of the thread with the review items, the findings as data, the usage and the history', async () => {
    const { client, repo, threadId } = await setup([
      respond(applyPatchCall('*** Begin Patch\n*** Delete File: src/math.ts\n*** End Patch\n')),
      respond(shellCall('grep -rn "ratio(" src')),
      respond(
        reviewAnswer([DIVIDE_BY_ZERO, finding({ title: 'Nowhere', priority: 1, path: 'gone.ts', start: 1 })]),
      ),
      respond(say('Fixed it.')),
    ]);
    const started = await client.call('review/start', {
      threadId,
      target: { type: 'baseBranch', branch: 'main' },
    });
    expect(started.reviewThreadId).toBe(threadId);
    expect(started.turn).toMatchObject({
      status: 'inProgress',
      items: [{ type: 'userMessage', content: [{ type: 'text', text: "Review changes against 'main'" }] }],
    });
    const turnId = started.turn.id as string;
    const completed = await client.turnCompleted(turnId);
    expect(completed.params.turn.status).toBe('completed');

    const shown = items(client, turnId);
    const order = shown.map((i) => i.type);
    expect(order[0]).toBe('userMessage');
    expect(order.indexOf('enteredReviewMode')).toBeLessThan(order.indexOf('commandExecution'));
    expect(order.indexOf('commandExecution')).toBeLessThan(order.indexOf('exitedReviewMode'));
    expect(order).not.toContain('agentMessage');
    const entered = shown.find((i) => i.type === 'enteredReviewMode')!;
    expect(entered.review).toBe("changes against 'main'");
    const exited = shown.find((i) => i.type === 'exitedReviewMode')!;
    expect(exited.review).toContain('[P1] Guard against b = 0 in ratio');
    expect(exited.result.findings).toEqual([DIVIDE_BY_ZERO]);
    expect(exited.notes.join('\n')).toMatch(/gone.ts is not a file/);
    expect(typeof exited.reviewId).toBe('string');
    expect(exited.reviewId).not.toBe(threadId);
    // The reviewer could not delete the file: apply_patch does not exist for it.
    expect(fs.readFileSync(path.join(repo, 'src/math.ts'), 'utf8')).toBe(MATH_AFTER);
    const reviewerRequests = emulator!.requests.slice(0, 3);
    expect(JSON.stringify(reviewerRequests[1]!.body)).toMatch(/Unknown tool \\"apply_patch\\"/);

    // The reviewer's tokens count in the thread's totals.
    const usage = client.notifications('thread/tokenUsage/updated', (p) => p.threadId === threadId).at(-1)!;
    const spent = reviewerRequests.reduce((sum, r) => sum + r.inputTokens, 0);
    expect(usage.tokenUsage.total.inputTokens).toBe(spent);
    // And so does their cost: the review turn's is the thread's whole cost so far.
    const reviewCost = usage.tokenUsage.cost.turn.usd as number;
    expect(reviewCost).toBeGreaterThan(0);
    expect(usage.tokenUsage.cost.total.usd).toBe(reviewCost);

    // The next turn's model sees the review in the history.
    const next = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'fix finding 1' }],
    });
    await client.turnCompleted(next.turn.id);
    const after = client.notifications('thread/tokenUsage/updated', (p) => p.threadId === threadId).at(-1)!;
    expect(after.tokenUsage.cost.total.usd).toBeCloseTo(reviewCost + after.tokenUsage.cost.turn.usd, 12);
    const followUp = JSON.stringify(emulator!.requests[3]!.body);
    expect(followUp).toContain("Review changes against 'main'");
    expect(followUp).toContain('Guard against b = 0 in ratio');

    // thread/read shows the review turn with the ids it had live.
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    const readTurn = (read.thread.turns as Json[]).find((t) => t.id === turnId)!;
    const readExited = (readTurn.items as Json[]).find((i) => i.type === 'exitedReviewMode')!;
    expect(readExited.id).toBe(exited.id);
    expect(readExited.result.findings).toEqual([DIVIDE_BY_ZERO]);
    expect(client.schemaProblems()).toEqual([]);
  });

  it("inline: the reviewer's spending counts against the thread's session cap", async () => {
    const { repo } = makeRepo();
    emulator = await startEmulator({
      script: [respond(say('Noted.')), respond(say('Noted.')), respond(reviewAnswer([DIVIDE_BY_ZERO]))],
    });
    server = new AppServer({ env: serverEnv(emulator) });
    const { client } = streamClient(server);
    await client.initialize();
    // A long first turn: what it spends is measured on a thread without caps.
    const long = [{ type: 'text', text: 'Some background. '.repeat(3000) }];
    const probe = (await client.call('thread/start', { cwd: repo })).thread.id as string;
    await client.turnCompleted((await client.call('turn/start', { threadId: probe, input: long })).turn.id);
    const spentOnce = client.notifications('thread/tokenUsage/updated', (p) => p.threadId === probe).at(-1)!
      .tokenUsage.total.totalTokens as number;
    // The same turn on a thread whose session cap leaves 50 tokens after it: the review (a much
    // smaller request than the turn before it) does not fit in what is left.
    const threadId = (
      await client.call('thread/start', { cwd: repo, config: { max_tokens: spentOnce + 50 } })
    ).thread.id as string;
    await client.turnCompleted((await client.call('turn/start', { threadId, input: long })).turn.id);
    const started = await client.call('review/start', {
      threadId,
      target: { type: 'baseBranch', branch: 'main' },
    });
    const review = (await client.turnCompleted(started.turn.id as string)).params.turn;
    expect(review.status).toBe('failed');
    expect(review.error.message).toMatch(/the session's max_tokens cap is \d+ tokens/);
    // The reviewer never asked the model: only the two long turns did.
    expect(emulator.requests).toHaveLength(2);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('detached: the review runs on a new thread; the asking thread is left as it was', async () => {
    const { client, threadId } = await setup([respond(reviewAnswer([DIVIDE_BY_ZERO]))]);
    const started = await client.call('review/start', {
      threadId,
      target: { type: 'commit', sha: 'HEAD', title: 'Tidy' },
      delivery: 'detached',
    });
    const reviewThreadId = started.reviewThreadId as string;
    expect(reviewThreadId).not.toBe(threadId);
    await client.turnCompleted(started.turn.id);
    expect(client.notifications('thread/started', (p) => p.thread.id === reviewThreadId)).toHaveLength(1);
    const exited = items(client, started.turn.id).find((i) => i.type === 'exitedReviewMode')!;
    expect(exited.result.findings).toHaveLength(1);
    const entered = items(client, started.turn.id).find((i) => i.type === 'enteredReviewMode')!;
    expect(entered.review).toMatch(/^commit [0-9a-f]{7}: Tidy$/);
    const parent = await client.call('thread/read', { threadId, includeTurns: true });
    expect(parent.thread.turns).toEqual([]);
    const detached = await client.call('thread/read', { threadId: reviewThreadId, includeTurns: true });
    expect(detached.thread.turns).toHaveLength(1);
    expect(client.schemaProblems()).toEqual([]);
  });

  it('through `spool app-server` (the built binary, stdio): a custom review, inline, checked against the schema', async () => {
    const { repo } = makeRepo();
    emulator = await startEmulator({
      script: [respond(shellCall('cat README.md')), respond(reviewAnswer([DIVIDE_BY_ZERO]))],
    });
    const child = spawn(process.execPath, [SPOOL_BIN, 'app-server'], {
      env: serverEnv(emulator),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      const client = new ProtocolClient((text) => child.stdin.write(`${text}\n`));
      onLines(child.stdout, (line) => client.receive(line));
      await client.initialize();
      const started = await client.call('thread/start', { cwd: repo });
      const threadId = started.thread.id as string;
      const review = await client.call('review/start', {
        threadId,
        target: { type: 'custom', instructions: 'Check that README.md matches src/math.ts' },
      });
      expect(review.reviewThreadId).toBe(threadId);
      const completed = await client.turnCompleted(review.turn.id);
      expect(completed.params.turn.status).toBe('completed');
      const shown = items(client, review.turn.id);
      expect(shown.find((i) => i.type === 'enteredReviewMode')).toMatchObject({
        target: { type: 'custom', instructions: 'Check that README.md matches src/math.ts' },
      });
      expect(shown.map((i) => i.type)).toContain('commandExecution');
      const exitedItem = shown.find((i) => i.type === 'exitedReviewMode')!;
      expect(exitedItem.result.findings).toEqual([DIVIDE_BY_ZERO]);
      // The instructions reached the reviewer, with no diff (a custom review has no target change).
      const prompt = JSON.stringify(emulator.requests[0]!.body);
      expect(prompt).toContain('Check that README.md matches src/math.ts');
      expect(prompt).not.toContain('<diff>');
      expect(client.schemaProblems()).toEqual([]);
    } finally {
      child.stdin.end();
      await exited;
    }
  });

  it('refuses targets that cannot be reviewed, with invalid-request errors', async () => {
    const { client, threadId } = await setup([]);
    const failure = (params: Json) => client.request('review/start', { threadId, ...params });
    const empty = await failure({ target: { type: 'baseBranch', branch: '   ' } });
    expect(empty.error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('branch must not be empty'),
    });
    const sha = await failure({ target: { type: 'commit', sha: '\t' } });
    expect(sha.error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('sha must not be empty'),
    });
    const custom = await failure({ target: { type: 'custom', instructions: '\n\n' } });
    expect(custom.error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('instructions must not be empty'),
    });
    const missing = await failure({ target: { type: 'baseBranch', branch: 'nope' } });
    expect(missing.error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('nope is not a commit'),
    });
    const bad = await failure({ target: { type: 'everything' } });
    expect(bad.error?.code).toBe(-32602);
    expect(emulator!.requests).toHaveLength(0);
  });
});
