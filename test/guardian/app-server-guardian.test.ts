/**
 * The guardian behind `spool app-server` (the built binary): reviews are Codex's
 * `item/autoApprovalReview/*` notifications (valid against its schema), an escalation reaches the
 * subscribed client as an approval request with the reviewer's words, and the client can approve
 * a denied action once with `thread/approveGuardianDeniedAction`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onLines, serverEnv } from '../app-server/support/harness.js';
import { type Loose, ProtocolClient } from '../app-server/support/protocol-client.js';
import {
  byConversation,
  type ConversationScript,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  type Step,
  say,
  startEmulator,
} from '../emulator/index.js';
import { ROOT, SPOOL_BIN } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
let server: ChildProcess | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (server) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.stdin?.end();
    await exited;
    server = undefined;
  }
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const made = tempDir(prefix);
  dirs.push(made);
  return made;
}

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');

function verdict(outcome: 'allow' | 'deny' | 'escalate', rationale: string): Step {
  return respond(say(JSON.stringify({ risk_level: 'high', user_authorization: 'none', outcome, rationale })));
}

const escalated = (command: string) =>
  call('shell', { command: ['bash', '-c', command], sandbox_permissions: 'require_escalated' });

async function startServer(
  agent: Step[],
  guardian: Step[],
): Promise<{ client: ProtocolClient; script: ConversationScript; work: string }> {
  const script = byConversation([
    { name: 'guardian', match: isGuardian, steps: guardian },
    { name: 'agent', match: () => true, steps: agent },
  ]);
  emulator = await startEmulator({ script });
  const home = dir('spool-guardian-home-');
  const work = dir('spool-guardian-work-');
  fs.writeFileSync(path.join(home, 'config.toml'), 'approvals_reviewer = "auto_review"\n');
  server = spawn(process.execPath, [SPOOL_BIN, 'app-server'], {
    cwd: ROOT,
    env: serverEnv(emulator, { SPOOL_HOME: home }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const client = new ProtocolClient((text) => server?.stdin?.write(`${text}\n`));
  if (server.stdout) onLines(server.stdout, (line) => client.receive(line));
  await client.initialize();
  return { client, script, work };
}

async function turn(client: ProtocolClient, threadId: string, text: string): Promise<Loose> {
  const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text }] });
  return client.turnCompleted(turn.id);
}

describe('the guardian behind spool app-server', () => {
  it('escalates to the subscribed client with its rationale; reviews are v2 notifications', async () => {
    const { client, work } = await startServer(
      [respond(escalated('echo hi > asked.txt')), respond(say('ok'))],
      [verdict('escalate', 'Writing asked.txt needs the user.')],
    );
    const asked: Loose[] = [];
    client.onServerRequest = (request) => {
      asked.push(request);
      return { decision: 'accept' };
    };
    const started = await client.call('thread/start', {
      cwd: work,
      approvalPolicy: 'on-request',
      sandbox: 'workspace-write',
    });
    await turn(client, started.thread.id, 'write asked.txt');
    expect(fs.existsSync(path.join(work, 'asked.txt'))).toBe(true);
    expect(asked).toHaveLength(1);
    expect(asked[0].params.reason).toMatch(
      /The automatic reviewer asks you.*Writing asked\.txt needs the user\./,
    );
    const [begun] = client.notifications('item/autoApprovalReview/started');
    const [done] = client.notifications('item/autoApprovalReview/completed');
    expect(begun.review.status).toBe('inProgress');
    expect(done).toMatchObject({
      threadId: started.thread.id,
      reviewId: begun.reviewId,
      decisionSource: 'agent',
      review: { riskLevel: 'high', rationale: 'Escalated to you: Writing asked.txt needs the user.' },
      action: { type: 'command', command: expect.stringContaining('echo hi > asked.txt') },
    });
    expect(client.schemaProblems()).toEqual([]);
  });

  it('a denied action can be approved once with thread/approveGuardianDeniedAction', async () => {
    const { client, work, script } = await startServer(
      [
        respond(escalated('echo x > wanted.txt')),
        respond(say('denied, sorry')),
        respond(escalated('echo x > wanted.txt')),
        respond(say('done')),
      ],
      [verdict('deny', 'Nothing says wanted.txt is wanted.')],
    );
    client.onServerRequest = () => ({ decision: 'decline' });
    const started = await client.call('thread/start', {
      cwd: work,
      approvalPolicy: 'on-request',
      sandbox: 'workspace-write',
    });
    const threadId = started.thread.id;
    await turn(client, threadId, 'write wanted.txt');
    expect(fs.existsSync(path.join(work, 'wanted.txt'))).toBe(false);
    const [denied] = client.notifications('item/autoApprovalReview/completed');
    expect(denied.review).toMatchObject({
      status: 'denied',
      rationale: 'Nothing says wanted.txt is wanted.',
    });
    await expect(
      client.call('thread/approveGuardianDeniedAction', { threadId, event: { id: 'nope' } }),
    ).rejects.toThrow(/not an action the automatic reviewer denied/);
    expect(
      await client.call('thread/approveGuardianDeniedAction', { threadId, event: { id: denied.reviewId } }),
    ).toEqual({});
    await turn(client, threadId, 'I approved it, try again');
    expect(fs.readFileSync(path.join(work, 'wanted.txt'), 'utf8')).toBe('x\n');
    expect(script.requestsOf('guardian')).toHaveLength(1);
    const reviews = client.notifications('item/autoApprovalReview/completed');
    expect(reviews.map((r: Loose) => r.review.status)).toEqual(['denied', 'approved']);
    expect(client.schemaProblems()).toEqual([]);
  });
});
