/**
 * `spool mcp-server` with `approvals_reviewer = "auto_review"`: no one can be asked there, so the
 * guardian decides — what it allows runs, what it denies (or escalates) does not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  byConversation,
  call,
  type Emulator,
  type RecordedRequest,
  respond,
  say,
  startEmulator,
} from '../emulator/index.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

const SERVER = path.join(ROOT, 'test/mcp/fixtures/spool-mcp-server.ts');

let emulator: Emulator | undefined;
let client: Client | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await client?.close();
  client = undefined;
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');
const verdict = (outcome: 'allow' | 'escalate', rationale: string) =>
  respond(say(JSON.stringify({ risk_level: 'low', user_authorization: 'explicit', outcome, rationale })));
const escalated = (command: string) =>
  call('shell', { command: ['bash', '-c', command], sandbox_permissions: 'require_escalated' });

describe('spool mcp-server with the guardian', () => {
  it('runs what the guardian allows; an escalation with no one to ask is not run', async () => {
    const work = tempDir('spool-mcp-guardian-work-');
    const home = tempDir('spool-mcp-guardian-home-');
    dirs.push(work, home);
    const script = byConversation([
      {
        name: 'guardian',
        match: isGuardian,
        steps: [verdict('allow', 'The caller asked for it.'), verdict('escalate', 'Ask the user.')],
      },
      {
        name: 'agent',
        match: () => true,
        steps: [
          respond(escalated('echo ok > allowed.txt')),
          respond(escalated('echo no > escalated.txt')),
          respond(say('finished')),
        ],
      },
    ]);
    emulator = await startEmulator({ script });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        SERVER,
        '-c',
        'approvals_reviewer="auto_review"',
        '-c',
        'sandbox_mode="workspace-write"',
        '-c',
        'approval_policy="on-request"',
      ],
      cwd: ROOT,
      env: { OPENAI_BASE_URL: emulator.url, SPOOL_HOME: home, OPENAI_API_KEY: 'test-key' },
      stderr: 'pipe',
    });
    client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({
      name: 'spool',
      arguments: {
        prompt: 'make allowed.txt',
        cwd: work,
        sandbox: 'workspace-write',
        approval_policy: 'on-request',
      },
    });
    expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
    expect(fs.existsSync(path.join(work, 'allowed.txt'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'escalated.txt'))).toBe(false);
    expect(script.requestsOf('guardian')).toHaveLength(2);
    const last = script.requestsOf('agent')[2]?.bodyText ?? '';
    expect(last).toContain('no one could be asked');
  });
});
