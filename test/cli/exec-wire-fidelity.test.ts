/**
 * What the built `spool exec` sends and shows where the real API is stricter than it looks
 * (issue 14): request fields the service rejects, the compaction request's cache routing, and
 * calls that fail before they do anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPatchCall, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { jsonLines, runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function envFor(e: Emulator, home = tempDir('spool-home-')): NodeJS.ProcessEnv {
  return { OPENAI_BASE_URL: e.url, OPENAI_API_KEY: 'test-key', SPOOL_HOME: home };
}

const EXEC = ['exec', '--skip-git-repo-check'];

describe('spool exec: request fields the API rejects', () => {
  it('leaves reasoning.summary out when model_reasoning_summary = "none"', async () => {
    emulator = await startEmulator({ script: [respond(say('ok'))] });
    const run = await runSpool([...EXEC, '-c', 'model_reasoning_summary="none"', '-C', tempDir(), 'hi'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const reasoning = emulator.requests[0]!.body!.reasoning as Record<string, unknown>;
    expect(reasoning).toEqual({ effort: 'medium' });
    expect(emulator.problems).toEqual([]);
  });

  it('sends the thread’s prompt_cache_key with /responses/compact', async () => {
    const workdir = tempDir();
    const home = tempDir('spool-home-');
    emulator = await startEmulator({ script: [respond(say('first answer'))] });
    const first = await runSpool([...EXEC, '--json', '-C', workdir, 'hello'], {
      env: envFor(emulator, home),
    });
    expect(first.code, first.stderr).toBe(0);
    const compact = await runSpool(
      ['exec', 'resume', '--last', '--compact', '--skip-git-repo-check', '-C', workdir],
      {
        env: envFor(emulator, home),
      },
    );
    expect(compact.code, compact.stderr).toBe(0);
    const threadKey = emulator.requests[0]!.body!.prompt_cache_key;
    expect(typeof threadKey).toBe('string');
    const compactRequest = emulator.requests.find((r) => r.wire === 'compact');
    expect(compactRequest?.body?.prompt_cache_key).toBe(threadKey);
  });
});

describe('spool exec: phase', () => {
  it('prints the final answer on stdout and the model’s commentary as progress on stderr', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('Let me check the directory.', 'commentary'), shellCall('true')),
        respond(say('Nothing to do.', 'final_answer')),
      ],
    });
    const run = await runSpool([...EXEC, '-s', 'danger-full-access', '-C', tempDir(), 'check'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Nothing to do.\n');
    expect(run.stderr).toContain('Let me check the directory.');
    // Sent back with its phase.
    expect(JSON.stringify(emulator.requests[1]!.body!.input)).toContain('"phase":"commentary"');
  });
});

describe('spool exec: failures that happen before anything runs', () => {
  it('shows a patch that does not parse as a failed file_change item in --json', async () => {
    emulator = await startEmulator({
      script: [respond(applyPatchCall('this is not a patch at all')), respond(say('I will fix the patch.'))],
    });
    const run = await runSpool([...EXEC, '--json', '-s', 'workspace-write', '-C', tempDir(), 'edit'], {
      env: envFor(emulator),
    });
    expect(run.code, run.stderr).toBe(0);
    const completed = jsonLines(run.stdout).filter((event) => event.type === 'item.completed');
    expect(completed.map((event) => event.item)).toContainEqual(
      expect.objectContaining({ type: 'file_change', status: 'failed', changes: [] }),
    );
    // The model got the parser's reason.
    const output = JSON.stringify(emulator.requests[1]!.body!.input);
    expect(output).toContain('custom_tool_call_output');
  });

  it('refuses --compact without a session to compact (usage error, no request)', async () => {
    emulator = await startEmulator({ script: [respond(say('should not be asked'))] });
    const run = await runSpool([...EXEC, '--compact', '-C', tempDir(), 'hello'], { env: envFor(emulator) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('spool exec resume');
    expect(emulator.requests).toEqual([]);
  });
});
