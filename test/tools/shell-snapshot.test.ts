/**
 * Shell snapshot (issue 18 item 4), through the real binary against the emulator: a HOME whose
 * login profile sets PATH and variables (and a token, and says when it runs). With the snapshot
 * (the default) the profile runs once per session, commands see what it set, except the token;
 * with `features.shell_snapshot=false` every command is a `bash -lc` again. Same outputs both ways
 * for ordinary commands. In a sandboxed session the snapshot is used and no command can write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseCapturedShell,
  snapshotFileText,
  wrapWithSnapshot,
} from '../../src/tools/shell/shell-snapshot.js';
import { call, type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** A HOME with a login profile that extends PATH, exports variables and a token, and logs each run. */
function homeWithProfile(): string {
  const home = tempDir('snapshot-home-');
  fs.mkdirSync(path.join(home, 'bin'));
  fs.writeFileSync(path.join(home, 'bin', 'mytool'), '#!/bin/sh\necho "mytool ran"\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(home, '.bash_profile'),
    [
      'export PATH="$HOME/bin:$PATH"',
      `export GREETING="hello 'quoted' world"`,
      'export GITHUB_TOKEN=ghp_profile_secret',
      'greet() { echo "greet $1"; }',
      'echo "profile ran" >&2',
      'echo x >> "$HOME/profile-runs" 2>/dev/null',
      '',
    ].join('\n'),
  );
  return home;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
const ORDINARY = 'echo "$GREETING"; mytool; greet you; echo "path starts ${PATH%%:*}"; pwd';

function outputsOf(em: Emulator): string[] {
  const last = em.requests.at(-1)!;
  const input = (last.body?.input ?? []) as Array<{ type?: string; output?: unknown }>;
  return input.filter((item) => item.type === 'function_call_output').map((item) => String(item.output));
}

/** The command's own output from a `shell` tool answer (drops the Exit code / Wall time lines). */
function commandOutput(answer: string): string {
  return answer.slice(answer.indexOf('Output:\n') + 'Output:\n'.length);
}

async function session(home: string, commands: string[], extra: string[]): Promise<string[]> {
  emulator = await startEmulator({
    script: [
      ...commands.map((command, i) =>
        respond(shellCall(['bash', '-lc', command], { call_id: `call_s${i}` })),
      ),
      respond(say('done')),
    ],
  });
  const work = tempDir('snapshot-work-');
  const run = await runSpool(['exec', '--skip-git-repo-check', '-C', work, ...extra, 'go'], {
    env: {
      HOME: home,
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'test-key',
      SPOOL_HOME: tempDir('spool-home-'),
    },
  });
  expect(run.code, run.stderr).toBe(0);
  const outputs = outputsOf(emulator).map(commandOutput);
  await emulator.close();
  emulator = undefined;
  return outputs.map((out) => out.replace(work, '<work>'));
}

describe('shell snapshot', () => {
  it('runs the login profile once per session, with the same outputs as bash -lc', async () => {
    const home = homeWithProfile();
    const withSnapshot = await session(home, [ORDINARY, ORDINARY, ORDINARY], ['-s', 'danger-full-access']);
    expect(fs.readFileSync(path.join(home, 'profile-runs'), 'utf8')).toBe('x\n');
    fs.rmSync(path.join(home, 'profile-runs'));

    const loginShells = await session(
      home,
      [ORDINARY, ORDINARY, ORDINARY],
      ['-s', 'danger-full-access', '-c', 'features.shell_snapshot=false'],
    );
    expect(fs.readFileSync(path.join(home, 'profile-runs'), 'utf8')).toBe('x\nx\nx\n');

    const expected = `hello 'quoted' world\nmytool ran\ngreet you\npath starts ${home}/bin\n<work>\n`;
    for (const out of withSnapshot) expect(out).toBe(expected);
    // bash -lc: the same, plus what the profile prints (on stderr, so anywhere) on every run.
    for (const out of loginShells) {
      expect(out).toContain('profile ran\n');
      expect(out.replace('profile ran\n', '')).toBe(expected);
    }
  }, 120_000);

  it('serves exec_command (unified exec) from the same snapshot', async () => {
    const home = homeWithProfile();
    emulator = await startEmulator({
      script: [
        respond(shellCall(['bash', '-lc', 'echo first'], { call_id: 'call_a' })),
        respond(call('exec_command', { cmd: 'echo "$GREETING"; mytool', yield_time_ms: 5000 }, 'call_b')),
        respond(say('done')),
      ],
    });
    const run = await runSpool(
      ['exec', '--skip-git-repo-check', '-C', tempDir(), '-s', 'danger-full-access', 'go'],
      {
        env: {
          HOME: home,
          OPENAI_BASE_URL: emulator.url,
          OPENAI_API_KEY: 'test-key',
          SPOOL_HOME: tempDir('spool-home-'),
        },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const [, unified] = outputsOf(emulator);
    expect(unified).toContain(`hello 'quoted' world\nmytool ran`);
    expect(unified).not.toContain('profile ran');
    expect(fs.readFileSync(path.join(home, 'profile-runs'), 'utf8')).toBe('x\n');
  }, 60_000);

  it('keeps a token the profile exports out of the snapshot and the commands', async () => {
    const home = homeWithProfile();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
    const [out] = await session(home, ['echo "token=${GITHUB_TOKEN:-none}"'], ['-s', 'danger-full-access']);
    expect(out).toBe('token=none\n');
  }, 60_000);

  it('works inside the sandbox, where no command can write the snapshot', async () => {
    const home = homeWithProfile();
    const attack =
      'for f in /run/spool-shell-snapshots-*/*.sh "$XDG_RUNTIME_DIR"/spool-shell-snapshots/*.sh; do ' +
      '[ -f "$f" ] && echo "found" && (echo "echo pwned" >> "$f") 2>/dev/null && echo "wrote $f"; done; true';
    const [first, second, third] = await session(
      home,
      [ORDINARY, attack, ORDINARY],
      ['-s', 'workspace-write'],
    );
    const expected = `hello 'quoted' world\nmytool ran\ngreet you\npath starts ${home}/bin\n<work>\n`;
    expect(first).toBe(expected);
    expect(second).toContain('found');
    expect(second).not.toContain('wrote');
    expect(third).toBe(expected);
  }, 120_000);
});

describe('shell snapshot builders', () => {
  it('exports what the profile changed, never secrets or bash’s own variables, quoted to round-trip', () => {
    const captured = parseCapturedShell(
      `noise\0m-env\0PATH=/p:/usr/bin\0SAME=1\0NEW=it's\nmultiline\0OPENAI_API_KEY=sk-x\0MY_TOKEN=t\0SHLVL=2\0PWD=/x\0m-functions\0f () \n{ \n    echo f\n}\n\0m-end\0`,
      'm',
    );
    expect(captured).toBeDefined();
    const text = snapshotFileText(captured!, { PATH: '/usr/bin', SAME: '1' });
    expect(text).toContain(`export NEW='it'\\''s\nmultiline'`);
    expect(text).toContain(`export PATH='/p:/usr/bin'`);
    expect(text).not.toMatch(/SAME|OPENAI_API_KEY|MY_TOKEN|SHLVL|PWD/);
    expect(text).toContain('echo f');
  });

  it('wraps only bash -lc, keeping the script on its first line', () => {
    expect(wrapWithSnapshot(['/bin/bash', '-lc', 'ls'], '/s/a b.sh')).toEqual([
      '/bin/bash',
      '-c',
      `. '/s/a b.sh'; ls`,
    ]);
    expect(wrapWithSnapshot(['bash', '-c', 'ls'], '/s.sh')).toBeUndefined();
    expect(wrapWithSnapshot(['zsh', '-lc', 'ls'], '/s.sh')).toBeUndefined();
    expect(wrapWithSnapshot(['ls', '-la'], '/s.sh')).toBeUndefined();
  });

  it('refuses output without its end marker', () => {
    expect(parseCapturedShell('\0m-env\0A=1\0m-functions\0', 'm')).toBeUndefined();
  });
});
