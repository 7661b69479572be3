/**
 * The guardian in the interactive session (in process, headless terminal): each decision is a
 * line with its rationale, and `/approve` lets the action the guardian denied run once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serverEnv } from '../app-server/support/harness.js';
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
import { startInteractive } from '../tui/support/interactive.js';

let emulator: Emulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const isGuardian = (r: RecordedRequest) => r.bodyText.includes('You review actions a coding agent wants');
const escalated = call('shell', {
  command: ['bash', '-c', 'echo x > wanted.txt'],
  sandbox_permissions: 'require_escalated',
});

describe('the guardian in the interactive session', () => {
  it('shows the denial with its rationale; /approve runs the action once', async () => {
    const work = tempDir('spool-guardian-tui-work-');
    const home = tempDir('spool-guardian-tui-home-');
    dirs.push(work, home);
    fs.writeFileSync(path.join(home, 'config.toml'), 'approvals_reviewer = "auto_review"\n');
    const script = byConversation([
      {
        name: 'guardian',
        match: isGuardian,
        steps: [
          respond(
            say(
              JSON.stringify({
                risk_level: 'high',
                user_authorization: 'none',
                outcome: 'deny',
                rationale: 'Nobody asked for wanted.txt.',
              }),
            ),
          ),
        ],
      },
      {
        name: 'agent',
        match: () => true,
        steps: [
          respond(escalated),
          respond(say('It was denied.')),
          respond(escalated),
          respond(say('Written.')),
        ],
      },
    ]);
    emulator = await startEmulator({ script });
    const { io, see, text, done } = startInteractive(
      { approvalPolicy: 'on-request', sandbox: 'workspace-write', cwd: work },
      serverEnv(emulator, { SPOOL_HOME: home }),
      120,
      30,
    );
    await see('ask on-request');
    io.type('write wanted.txt\r');
    await see('It was denied.');
    expect(text()).toMatch(
      /Guardian denied: bash -c 'echo x > wanted\.txt' \(risk high\) — Nobody asked for wanted\.txt\./,
    );
    expect(fs.existsSync(path.join(work, 'wanted.txt'))).toBe(false);
    io.type('/approve\r');
    await see('Approved once');
    io.type('go ahead\r');
    await see('Written.');
    expect(fs.readFileSync(path.join(work, 'wanted.txt'), 'utf8')).toBe('x\n');
    expect(text()).toContain('Guardian approved');
    expect(script.requestsOf('guardian')).toHaveLength(1);
    io.type('\x03');
    io.type('\x03');
    expect(await done).toBe(0);
  });
});
