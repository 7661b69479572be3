/**
 * The command line around sessions, through the built binary: options before the subcommand apply
 * to it (or are refused loudly), `sessions show --last`, and `exec fork` (fork and run one turn).
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, startEmulator } from '../emulator/index.js';
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

const modelsAsked = (e: Emulator) =>
  e.requests.filter((r) => r.wire === 'responses').map((r) => r.body?.model as string);

describe('options before the subcommand', () => {
  it('apply to it, below its own options, with -c overrides in order', async () => {
    emulator = await startEmulator({
      script: [respond(say('one')), respond(say('two')), respond(say('three')), respond(say('four'))],
    });
    const env = envFor(emulator);
    const workdir = tempDir();
    const run = (args: string[]) => runSpool(args, { env });

    expect(
      (await run(['-c', 'model=from-root', 'exec', '--skip-git-repo-check', '-C', workdir, 'hi'])).code,
    ).toBe(0);
    expect(
      (await run(['-m', 'root-flag', 'exec', '-m', 'own-flag', '--skip-git-repo-check', '-C', workdir, 'hi']))
        .code,
    ).toBe(0);
    expect(
      (
        await run([
          '-c',
          'model=first',
          'exec',
          '-c',
          'model=second',
          '--skip-git-repo-check',
          '-C',
          workdir,
          'hi',
        ])
      ).code,
    ).toBe(0);
    // Through a nested subcommand too.
    const resumed = await run([
      '-m',
      'for-resume',
      'exec',
      'resume',
      '--last',
      '--skip-git-repo-check',
      '-C',
      workdir,
      'again',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(modelsAsked(emulator)).toEqual(['from-root', 'own-flag', 'second', 'for-resume']);
  }, 120_000);

  it('are refused, with exit code 2, where the subcommand does not take them', async () => {
    const home = tempDir('spool-home-');
    const run = await runSpool(['-m', 'some-model', 'sessions'], { env: { SPOOL_HOME: home } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/-m\/--model was given before `sessions`, which does not take it/);
    const two = await runSpool(['-s', 'read-only', '--oss', 'apply-patch', '-'], {
      env: { SPOOL_HOME: home },
      stdin: '',
    });
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(
      /^spool: --oss, -s\/--sandbox were given before `apply-patch`, which does not take them/,
    );
  });
});

describe('sessions show --last and exec fork', () => {
  it('shows the latest session, and forks one into a new session that runs a turn', async () => {
    emulator = await startEmulator({
      script: [
        respond(say('first answer')),
        respond(say('second answer')),
        respond(say('answer in the fork')),
        respond(say('answer in a fork at turn 1')),
      ],
    });
    const home = tempDir('spool-home-');
    const env = envFor(emulator, home);
    const workdir = tempDir();
    const exec = ['exec', '--skip-git-repo-check', '-C', workdir];
    const first = await runSpool([...exec, '--json', 'remember the word apricot'], { env });
    expect(first.code, first.stderr).toBe(0);
    const original = (jsonLines(first.stdout)[0] as { thread_id: string }).thread_id;
    expect(
      (
        await runSpool(['exec', 'resume', '--last', '--skip-git-repo-check', '-C', workdir, 'and then?'], {
          env,
        })
      ).code,
    ).toBe(0);

    const shown = await runSpool(['sessions', 'show', '--last'], { env, cwd: workdir });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('remember the word apricot');
    expect(shown.stdout).toContain('second answer');
    expect((await runSpool(['sessions', 'show'], { env, cwd: workdir })).code).toBe(2);

    const before = JSON.parse((await runSpool(['sessions', '--json'], { env })).stdout) as Array<{
      id: string;
      turns: number;
    }>;
    expect(before).toHaveLength(1);

    const fork = await runSpool(
      [
        ...exec.slice(0, 1),
        'fork',
        '--last',
        '--json',
        '--skip-git-repo-check',
        '-C',
        workdir,
        'what was the word?',
      ],
      { env },
    );
    expect(fork.code, fork.stderr).toBe(0);
    const events = jsonLines(fork.stdout);
    const forkId = (events[0] as { thread_id: string }).thread_id;
    expect(forkId).not.toBe(original);
    expect(events.at(-2)).toMatchObject({ item: { type: 'agent_message', text: 'answer in the fork' } });
    // The fork's request carried the original's history; the original is unchanged.
    const forkRequest = emulator.requests.filter((r) => r.wire === 'responses')[2]!;
    expect(JSON.stringify(forkRequest.body?.input)).toContain('apricot');
    expect(JSON.stringify(forkRequest.body?.input)).toContain('second answer');
    const after = JSON.parse((await runSpool(['sessions', '--json'], { env })).stdout) as Array<{
      id: string;
      turns: number;
    }>;
    expect(after.find((s) => s.id === original)?.turns).toBe(2);
    expect(after.find((s) => s.id === forkId)?.turns).toBe(3);

    // By id, through turn 1 only.
    const atOne = await runSpool(
      ['exec', 'fork', original, '--at', '1', '--skip-git-repo-check', 'and now?'],
      { env },
    );
    expect(atOne.code, atOne.stderr).toBe(0);
    expect(atOne.stdout).toBe('answer in a fork at turn 1\n');
    const atOneRequest = emulator.requests.filter((r) => r.wire === 'responses')[3]!;
    expect(JSON.stringify(atOneRequest.body?.input)).toContain('apricot');
    expect(JSON.stringify(atOneRequest.body?.input)).not.toContain('second answer');

    const missing = await runSpool(['exec', 'fork', 'no-such-session', '--skip-git-repo-check', 'x'], {
      env,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('spool exec fork:');
    expect(fs.readdirSync(home)).toContain('sessions');
  }, 120_000);
});
