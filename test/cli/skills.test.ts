/**
 * Skills as a user meets them, through the built binary against the emulator: discovery order and
 * overrides (`spool skills list`), the catalog in the first request within its budget, `$name`
 * injection, and a skill changed between turns announced at the next turn without rewriting the
 * requests sent before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, respond, say, shellCall, startEmulator } from '../emulator/index.js';
import { markGitRoot, writeSkill } from '../support/skills.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface Places {
  repo: string;
  cwd: string;
  home: string;
  spoolHome: string;
  codexHome: string;
}

function places(): Places {
  const base = fs.realpathSync(tempDir('spool-skills-e2e-'));
  const repo = path.join(base, 'repo');
  const cwd = path.join(repo, 'pkg', 'app');
  fs.mkdirSync(cwd, { recursive: true });
  markGitRoot(repo);
  const home = path.join(base, 'home');
  const spoolHome = path.join(base, 'spool-home');
  const codexHome = path.join(base, 'codex-home');
  for (const dir of [home, spoolHome, codexHome]) fs.mkdirSync(dir, { recursive: true });
  return { repo, cwd, home, spoolHome, codexHome };
}

function envOf(p: Places, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: p.home,
    SPOOL_HOME: p.spoolHome,
    CODEX_HOME: p.codexHome,
    OPENAI_API_KEY: 'test-key',
    ...(emulator ? { OPENAI_BASE_URL: emulator.url } : {}),
    ...extra,
  };
}

type InputItem = { type: string; role?: string; content?: Array<{ type: string; text?: string }> };

function inputOf(index: number): InputItem[] {
  return emulator?.requests[index]?.body?.input as InputItem[];
}

function texts(items: InputItem[], role?: string): string[] {
  return items
    .filter((item) => item.type === 'message' && (role === undefined || item.role === role))
    .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ''));
}

describe('skills (the built binary)', () => {
  it('finds skills from the Codex home up to the cwd, the more specific winning by name, with malformed files warned about', async () => {
    const p = places();
    writeSkill(path.join(p.codexHome, 'skills'), 'a', 'shared', 'from the codex home');
    writeSkill(path.join(p.codexHome, 'skills'), 'only-codex', 'only-codex', 'codex users');
    writeSkill(path.join(p.home, '.agents', 'skills'), 'a', 'shared', 'from ~/.agents');
    writeSkill(path.join(p.spoolHome, 'skills'), 'a', 'shared', 'from the spool home');
    writeSkill(path.join(p.spoolHome, 'skills'), 'home', 'home-only', 'only in the spool home');
    writeSkill(path.join(p.repo, '.agents', 'skills'), 'a', 'shared', 'from the repo root');
    writeSkill(path.join(p.repo, '.agents', 'skills'), 'deploy', 'deploy', 'root deploy');
    writeSkill(path.join(p.repo, 'pkg', '.codex', 'skills'), 'deploy', 'deploy', 'pkg deploy (.codex)');
    const winner = writeSkill(path.join(p.repo, 'pkg', '.agents', 'skills'), 'a', 'shared', 'from pkg');
    const broken = path.join(p.cwd, '.agents', 'skills', 'broken', 'SKILL.md');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, '---\nname: broken\ndescription: [unclosed\nx: 1\n---\nbody\n');

    const run = await runSpool(['skills', 'list', '--json', '-C', p.cwd], { env: envOf(p) });
    expect(run.code, run.stderr).toBe(0);
    const listed = JSON.parse(run.stdout) as {
      cwd: string;
      skills: Array<{ name: string; description: string; path: string; scope: string; enabled: boolean }>;
      errors: Array<{ path: string; message: string }>;
    };
    expect(listed.cwd).toBe(p.cwd);
    expect(listed.skills.map((s) => [s.name, s.description, s.scope])).toEqual([
      ['deploy', 'pkg deploy (.codex)', 'repo'],
      ['home-only', 'only in the spool home', 'user'],
      ['only-codex', 'codex users', 'user'],
      ['shared', 'from pkg', 'repo'],
    ]);
    expect(listed.skills.find((s) => s.name === 'shared')?.path).toBe(winner);
    expect(listed.errors).toEqual([
      { path: broken, message: expect.stringMatching(/^line 4: invalid YAML/) },
    ]);

    // Turning a file off lets the next one of that name win; the human listing says so.
    const off = await runSpool(
      [
        'skills',
        'list',
        '-C',
        p.cwd,
        '-c',
        `skills.config=[{path=${JSON.stringify(winner)}, enabled=false}]`,
      ],
      { env: envOf(p) },
    );
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('shared [repo]\n  from the repo root');
    expect(off.stderr).toContain(`warning: skill ${broken}: line 4: invalid YAML`);
  });

  it('puts the catalog in the first request, injects a $mention, and cuts the catalog to its budget with a warning', async () => {
    const p = places();
    const deploy = writeSkill(
      path.join(p.repo, '.agents', 'skills'),
      'deploy',
      'deploy',
      'Ship the app to staging',
      'Run make deploy, then check the health URL.',
    );
    const audit = writeSkill(
      path.join(p.repo, '.agents', 'skills'),
      'audit',
      'audit',
      'Audit dependencies for CVEs',
    );
    emulator = await startEmulator({ script: [respond(say('Deployed.')), respond(say('Done.'))] });
    const run = await runSpool(['exec', '--json', '-C', p.cwd, 'please $deploy: now, not $HOME'], {
      env: envOf(p),
    });
    expect(run.code, run.stderr).toBe(0);
    const user = texts(inputOf(0), 'user');
    const catalog = user.find((t) => t.startsWith('<skills>')) as string;
    expect(catalog).toContain(
      `- audit: Audit dependencies for CVEs (file: ${path.join(p.repo, '.agents/skills/audit/SKILL.md')})`,
    );
    expect(catalog.indexOf('- audit:')).toBeLessThan(catalog.indexOf('- deploy:'));
    // The prompt, then the skill's file as it is on disk, in a message of its own.
    const prompt = user.indexOf('please $deploy: now, not $HOME');
    expect(prompt).toBeGreaterThan(user.indexOf(catalog));
    expect(user[prompt + 1]).toBe(
      `<skill>\n<name>deploy</name>\n<path>${deploy}</path>\n${fs.readFileSync(deploy, 'utf8').trimEnd()}\n</skill>`,
    );
    expect(user).toHaveLength(prompt + 2);

    // A budget with room for the bare lines only: descriptions are left out, and the user is told.
    const budget = `- audit (file: ${audit})\n- deploy (file: ${deploy})\n`.length + 10;
    const tight = await runSpool(
      ['exec', '--json', '-C', p.cwd, '-c', `skills.catalog_max_chars=${budget}`, 'hello'],
      { env: envOf(p) },
    );
    expect(tight.code, tight.stderr).toBe(0);
    expect(tight.stderr).toMatch(
      new RegExp(
        `skills catalog has a budget of ${budget} characters.*descriptions of all 2 skills were left out`,
      ),
    );
    const cut = texts(inputOf(1), 'user').find((t) => t.startsWith('<skills>')) as string;
    expect(cut).toContain(`- deploy (file: ${deploy})`);
    expect(cut).not.toContain('Ship the app');
  });

  it('announces a skill added and one changed between turns by appending, never rewriting what was sent', async () => {
    const p = places();
    const root = path.join(p.repo, '.agents', 'skills');
    writeSkill(root, 'lint', 'lint', 'Lint the code');
    emulator = await startEmulator({
      script: [respond(shellCall('true')), respond(say('First.')), respond(say('Second.'))],
    });
    const first = await runSpool(['exec', '--json', '-s', 'danger-full-access', '-C', p.cwd, 'one'], {
      env: envOf(p),
    });
    expect(first.code, first.stderr).toBe(0);
    writeSkill(root, 'lint', 'lint', 'Lint the code', 'A new body.');
    writeSkill(root, 'fmt', 'fmt', 'Format the code');
    const second = await runSpool(['exec', 'resume', '--last', '--json', '-C', p.cwd, 'two $fmt'], {
      env: envOf(p),
    });
    expect(second.code, second.stderr).toBe(0);
    const before = inputOf(1);
    const after = inputOf(2);
    // Everything sent before is sent again unchanged, in front: the cached prefix holds.
    expect(after.slice(0, before.length)).toEqual(before);
    const appended = texts(after.slice(before.length), 'user');
    const update = appended.find((t) => t.startsWith('<skills_update>')) as string;
    expect(update).toContain('- added fmt: Format the code');
    expect(update).toMatch(/- changed lint: Lint the code .*read its SKILL.md again/);
    expect(appended.at(-2)).toBe('two $fmt');
    expect(appended.at(-1)).toMatch(/^<skill>\n<name>fmt<\/name>/);
    expect(emulator.requests[2]?.cachedTokens).toBeGreaterThan(0);
  });
});
