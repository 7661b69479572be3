/** Skills as a context layer: SKILL.md parsing, discovery order and overrides, the budget cut, mentions. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogBudgetChars,
  catalogWarnings,
  fitCatalog,
  renderSkillsCatalog,
} from '../../src/context/skills/catalog.js';
import { discoverSkills, skillRoots } from '../../src/context/skills/discovery.js';
import { readSkillInjection, skillMentions } from '../../src/context/skills/mentions.js';
import { observeSkills, skillsUpdateText } from '../../src/context/skills/observe.js';
import { parseSkillFile } from '../../src/context/skills/skill-file.js';
import { markGitRoot, writeSkill } from '../support/skills.js';

function temp(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-skills-')));
}

describe('SKILL.md', () => {
  it('reads name and description, folding a multi-line description', () => {
    const parsed = parseSkillFile(
      '/s/SKILL.md',
      '---\nname: pdf-tools\ndescription: >\n  Fill PDF forms\n  and merge files.\nmetadata:\n  short-description: PDFs\n---\nBody\n',
    );
    expect(parsed.ok && parsed.skill).toMatchObject({
      name: 'pdf-tools',
      description: 'Fill PDF forms and merge files.',
      shortDescription: 'PDFs',
      path: '/s/SKILL.md',
    });
  });

  it.each([
    ['no front matter', '# Title\n', 1, /must start with YAML front matter/],
    ['an unclosed front matter', '---\nname: a\ndescription: b\n', 1, /not closed/],
    ['bad YAML', '---\nname: a\ndescription: [oops\nmore: 1\n---\n', 4, /invalid YAML/],
    ['a missing name', '---\ndescription: b\n---\n', 2, /no "name"/],
    [
      'a name that cannot be mentioned',
      '---\ndescription: b\nname: My Skill\n---\n',
      3,
      /cannot be mentioned/,
    ],
    ['a name that is not text', '---\nname: [a]\ndescription: b\n---\n', 2, /non-empty string/],
    ['an empty description', '---\nname: a\ndescription: ""\n---\n', 3, /non-empty string/],
    [
      'a too long description',
      `---\nname: a\n\ndescription: ${'x'.repeat(1025)}\n---\n`,
      4,
      /1025 characters/,
    ],
    ['a key given twice', '---\nname: a\nname: b\ndescription: c\n---\n', 3, /unique/i],
  ])('reports %s with its line', (_what, text, line, message) => {
    const parsed = parseSkillFile('/s/SKILL.md', text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem.line).toBe(line);
    expect(parsed.problem.message).toMatch(message);
  });
});

describe('discovery', () => {
  it('overrides by name from the most general root to the most specific', () => {
    const base = temp();
    const home = path.join(base, 'home');
    const spoolHome = path.join(base, 'spool');
    const repo = path.join(base, 'repo');
    const cwd = path.join(repo, 'pkg', 'app');
    fs.mkdirSync(cwd, { recursive: true });
    markGitRoot(repo);
    writeSkill(path.join(home, '.codex', 'skills'), 'd', 'd', 'codex user d');
    writeSkill(path.join(home, '.codex', 'skills'), 'c', 'c', 'codex user c');
    writeSkill(path.join(home, '.agents', 'skills'), 'c', 'c', 'agents user c');
    writeSkill(path.join(home, '.agents', 'skills'), 'b', 'b', 'agents user b');
    writeSkill(path.join(spoolHome, 'skills'), 'b', 'b', 'spool home b');
    writeSkill(path.join(spoolHome, 'skills'), 'a', 'a', 'spool home a');
    writeSkill(path.join(repo, '.agents', 'skills'), 'a', 'a', 'repo root a');
    writeSkill(path.join(repo, 'pkg', '.codex', 'skills'), 'a', 'a', 'pkg codex a');
    writeSkill(path.join(repo, 'pkg', '.agents', 'skills'), 'a-folder', 'a', 'pkg agents a');
    writeSkill(path.join(repo, '.agents', 'skills'), 'grouped/e', 'e', 'nested e');
    // Outside the git root: never a source.
    writeSkill(path.join(base, '.agents', 'skills'), 'x', 'x', 'outside');

    const found = discoverSkills({ cwd, spoolHome, userHome: home });
    expect(found.problems).toEqual([]);
    expect(found.skills.map((s) => [s.name, s.description, s.scope])).toEqual([
      ['a', 'pkg agents a', 'repo'],
      ['b', 'spool home b', 'user'],
      ['c', 'agents user c', 'user'],
      ['d', 'codex user d', 'user'],
      ['e', 'nested e', 'repo'],
    ]);
    expect(found.skills[0]?.path).toBe(path.join(repo, 'pkg', '.agents', 'skills', 'a-folder', 'SKILL.md'));
    expect(found.overridden.map((o) => `${o.skill.description} < ${o.by.description}`)).toEqual([
      'codex user c < agents user c',
      'agents user b < spool home b',
      'spool home a < repo root a',
      'repo root a < pkg codex a',
      'pkg codex a < pkg agents a',
    ]);
  });

  it('uses $CODEX_HOME when given, and lists each directory once', () => {
    const base = temp();
    markGitRoot(base);
    const roots = skillRoots({
      cwd: base,
      spoolHome: path.join(base, 's'),
      userHome: base,
      codexHome: '/opt/codex',
    });
    expect(roots.map((r) => r.dir)).toEqual([
      '/opt/codex/skills',
      path.join(base, 's', 'skills'),
      path.join(base, '.codex', 'skills'),
      path.join(base, '.agents', 'skills'),
    ]);
  });

  it('warns about malformed files with file and line, and keeps the others', () => {
    const base = temp();
    const root = path.join(base, '.agents', 'skills');
    writeSkill(root, 'good', 'good', 'fine');
    const bad = path.join(root, 'bad', 'SKILL.md');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, '---\nname: bad\ndescription: [\n---\n');
    writeSkill(root, 'twin', 'good', 'same name, same root');
    const found = discoverSkills({ cwd: base, spoolHome: path.join(base, 'spool') });
    expect(found.skills.map((s) => s.name)).toEqual(['good']);
    expect(found.problems).toEqual([
      expect.objectContaining({ path: bad, line: 3, message: expect.stringMatching(/invalid YAML/) }),
      expect.objectContaining({
        path: path.join(root, 'twin', 'SKILL.md'),
        message: expect.stringMatching(/also named "good"/),
      }),
    ]);
    const observed = observeSkills({ cwd: base, spoolHome: path.join(base, 'spool') }, undefined, 100_000);
    expect(observed.warnings[0]).toBe(`skill ${bad}:3: ${found.problems[0]?.message}`);
  });
});

describe('the catalog budget', () => {
  const entries = Array.from({ length: 6 }, (_, i) => ({
    name: `skill-${i}`,
    description: `${'word '.repeat(20 + i * 5)}end`.trim(),
    path: `/skills/skill-${i}/SKILL.md`,
  }));
  const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

  it('is 2 % of the window (in characters), 8,000 characters when unknown, or configured', () => {
    expect(catalogBudgetChars({ contextWindow: 200_000 })).toBe(16_000);
    expect(catalogBudgetChars({})).toBe(8000);
    expect(catalogBudgetChars({ contextWindow: 200_000, windowPercent: 1 })).toBe(8000);
    expect(catalogBudgetChars({ contextWindow: 200_000, maxChars: 300 })).toBe(300);
  });

  it('keeps everything, in name order, when it fits', () => {
    const fitted = fitCatalog([...entries].reverse(), 100_000);
    expect(fitted.names).toEqual(entries.map((e) => e.name));
    expect(fitted.lines[0]).toBe(`- skill-0: ${entries[0]?.description} (file: /skills/skill-0/SKILL.md)`);
    expect(catalogWarnings(fitted)).toEqual([]);
  });

  it('shortens long descriptions first, to one common length, and says which', () => {
    const full = size(fitCatalog(entries, 100_000).lines);
    const fitted = fitCatalog(entries, full - 60);
    expect(size(fitted.lines)).toBeLessThanOrEqual(full - 60);
    expect(fitted.names).toHaveLength(6);
    expect(fitted.shortened.length).toBeGreaterThan(0);
    expect(fitted.shortened).not.toContain('skill-0');
    expect(fitted.lines.find((l) => l.startsWith('- skill-5'))).toMatch(/… \(file: \/skills\/skill-5/);
    expect(catalogWarnings(fitted)[0]).toMatch(/descriptions of \d skills were shortened: .*skill-5/);
    expect(renderSkillsCatalog(fitted)).toMatch(/Some descriptions are shortened/);
  });

  it('then leaves descriptions out, then leaves skills out, naming them', () => {
    const bare = entries.map((e) => `- ${e.name} (file: ${e.path})`);
    const noDescriptions = fitCatalog(entries, size(bare));
    expect(noDescriptions.lines).toEqual(bare);
    expect(catalogWarnings(noDescriptions)[0]).toMatch(/descriptions of all 6 skills were left out$/);

    const fewer = fitCatalog(entries, size(bare.slice(0, 4)));
    expect(fewer.names).toEqual(['skill-0', 'skill-1', 'skill-2', 'skill-3']);
    expect(fewer.dropped).toEqual(['skill-4', 'skill-5']);
    expect(catalogWarnings(fewer)[0]).toMatch(/2 skills were left out entirely: skill-4, skill-5/);
    expect(renderSkillsCatalog(fewer)).toMatch(/2 more skills are not listed/);
  });
});

describe('mentions and updates', () => {
  it('finds $name mentions of known skills only, once each, in order', () => {
    const known = (name: string) => ['deploy', 'db:migrate', 'lint-fix'].includes(name);
    expect(
      skillMentions(
        'use $lint-fix, then $deploy. $HOME stays; a$deploy is no mention; $db:migrate: $deploy',
        known,
      ),
    ).toEqual(['lint-fix', 'deploy', 'db:migrate']);
    expect(skillMentions('run $deploy-', known)).toEqual(['deploy']);
    expect(skillMentions('cost $5 and $$deploy', known)).toEqual([]);
  });

  it('injects the file as it is now, in a <skill> block', () => {
    const base = temp();
    const file = writeSkill(base, 'd', 'deploy', 'ship it', 'Step 1.');
    const injected = readSkillInjection({ name: 'deploy', path: file });
    expect(injected).toEqual({
      ok: true,
      text: `<skill>\n<name>deploy</name>\n<path>${file}</path>\n---\nname: deploy\ndescription: ship it\n---\n\nStep 1.\n</skill>`,
    });
    fs.rmSync(file);
    expect(readSkillInjection({ name: 'deploy', path: file })).toMatchObject({ ok: false });
  });

  it('announces added, changed and removed skills, and nothing when none changed', () => {
    const base = temp();
    const root = path.join(base, '.agents', 'skills');
    writeSkill(root, 'keep', 'keep', 'unchanged');
    writeSkill(root, 'edit', 'edit', 'will change');
    writeSkill(root, 'gone', 'gone', 'will go');
    const where = { cwd: base, spoolHome: path.join(base, 'spool') };
    const before = observeSkills(where, undefined, 100_000);
    expect(skillsUpdateText(before.fingerprint, observeSkills(where, undefined, 100_000))).toBeUndefined();
    writeSkill(root, 'edit', 'edit', 'will change', 'New body.');
    fs.rmSync(path.join(root, 'gone'), { recursive: true });
    writeSkill(root, 'new', 'new', 'brand new');
    const text = skillsUpdateText(before.fingerprint, observeSkills(where, undefined, 100_000));
    expect(text).toBe(
      [
        '<skills_update>',
        'The available skills changed:',
        `- changed edit: will change (file: ${path.join(root, 'edit', 'SKILL.md')}) (read its SKILL.md again before using it)`,
        `- added new: brand new (file: ${path.join(root, 'new', 'SKILL.md')})`,
        '- removed gone (it can no longer be used)',
        '</skills_update>',
      ].join('\n'),
    );
  });
});
