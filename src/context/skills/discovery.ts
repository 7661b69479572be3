/**
 * Where skills are found, and which one wins when two share a name.
 *
 * Roots, from the most general to the most specific (a later root overrides an earlier one by name):
 *   1. `$CODEX_HOME/skills` (default `~/.codex/skills`) — a Codex user's own skills
 *   2. `~/.agents/skills` — the user's skills for every agent
 *   3. `$SPOOL_HOME/skills` — the user's skills for Spool
 *   4. from the git root down to the cwd, in each directory: `.codex/skills`, then `.agents/skills`
 * So a project's skill beats the user's, and a deeper directory's beats its parents'.
 *
 * Inside a root, every directory holding a `SKILL.md` is a skill (its folder is not searched
 * further); other directories are searched a few levels deep, so grouped layouts work. Problems
 * (unreadable or malformed files, two skills of one name in one root) become warnings; nothing
 * here throws.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectErrno, UNREADABLE } from '../../protocol/errors.js';
import { directoriesToCwd } from '../project-docs.js';
import { parseSkillFile, type SkillFile, type SkillProblem } from './skill-file.js';

export type SkillScope = 'user' | 'repo';

export interface SkillRoot {
  dir: string;
  scope: SkillScope;
}

export interface Skill extends SkillFile {
  scope: SkillScope;
  /** The root it was found in. */
  root: string;
}

export interface SkillLocations {
  cwd: string;
  spoolHome: string;
  /** The user's home directory (`~`). */
  userHome?: string;
  /** `$CODEX_HOME` (default `~/.codex`). */
  codexHome?: string;
  /** SKILL.md paths turned off: as if they were not there (a less specific one may then win). */
  disabledPaths?: string[];
}

export interface DiscoveredSkills {
  /** The skills in effect, sorted by name. */
  skills: Skill[];
  /** Skills hidden by a more specific one of the same name (for `spool skills list`). */
  overridden: Array<{ skill: Skill; by: Skill }>;
  problems: SkillProblem[];
}

/** How deep under a root a SKILL.md is looked for (root/a/b/c/SKILL.md at most). */
const MAX_DEPTH = 3;
/** Directories visited per root at most (a root that is a whole source tree must not stall a turn). */
const MAX_DIRECTORIES = 2000;
/** Larger SKILL.md files are refused (instructions, not data). */
const MAX_SKILL_FILE_BYTES = 1024 * 1024;
const SKIPPED = new Set(['.git', 'node_modules']);

/** The roots for `locations`, lowest precedence first. */
export function skillRoots(locations: SkillLocations): SkillRoot[] {
  const roots: SkillRoot[] = [];
  const home = locations.userHome;
  const codexHome = locations.codexHome ?? (home ? path.join(home, '.codex') : undefined);
  if (codexHome) roots.push({ dir: path.join(codexHome, 'skills'), scope: 'user' });
  if (home) roots.push({ dir: path.join(home, '.agents', 'skills'), scope: 'user' });
  roots.push({ dir: path.join(locations.spoolHome, 'skills'), scope: 'user' });
  for (const dir of directoriesToCwd(locations.cwd)) {
    roots.push({ dir: path.join(dir, '.codex', 'skills'), scope: 'repo' });
    roots.push({ dir: path.join(dir, '.agents', 'skills'), scope: 'repo' });
  }
  // The same directory reached twice (the home is the repository, a symlinked root): keep the
  // later, more specific place.
  const seen = new Set<string>();
  const unique: SkillRoot[] = [];
  for (const root of roots.reverse()) {
    const key = realOrSelf(root.dir);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(root);
  }
  return unique.reverse();
}

function realOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch (err) {
    expectErrno(err, UNREADABLE);
    // Missing (the usual case for most roots) or unreadable: compare by the path as written.
    return path.resolve(file);
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch (err) {
    expectErrno(err, UNREADABLE);
    // Missing, a dangling link or unreadable: not a directory to search.
    return false;
  }
}

function readSkill(file: string, problems: SkillProblem[]): SkillFile | undefined {
  let source: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_SKILL_FILE_BYTES) {
      problems.push({
        path: file,
        line: 1,
        message: `the file is ${size} bytes; at most ${MAX_SKILL_FILE_BYTES} are read`,
      });
      return undefined;
    }
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ path: file, line: 1, message: `cannot be read: ${(err as Error).message}` });
    return undefined;
  }
  const parsed = parseSkillFile(realOrSelf(file), source);
  if (!parsed.ok) {
    problems.push({ ...parsed.problem, path: file });
    return undefined;
  }
  return parsed.skill;
}

/** The skills of one root, in path order; the first of two with one name wins (with a warning). */
function scanRoot(root: SkillRoot, problems: SkillProblem[]): Skill[] {
  if (!isDirectory(root.dir)) return [];
  const found = new Map<string, Skill>();
  let visited = 0;
  let level = [root.dir];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (++visited > MAX_DIRECTORIES) {
        problems.push({
          path: root.dir,
          line: 1,
          message: `more than ${MAX_DIRECTORIES} directories under this skills folder; the rest were not searched`,
        });
        return [...found.values()];
      }
      const manifest = path.join(dir, 'SKILL.md');
      if (dir !== root.dir && fs.existsSync(manifest)) {
        const skill = readSkill(manifest, problems);
        if (!skill) continue;
        const earlier = found.get(skill.name);
        if (earlier) {
          problems.push({
            path: manifest,
            line: 1,
            message: `another skill in ${root.dir} is also named "${skill.name}" (${earlier.path}); this one is ignored`,
          });
          continue;
        }
        found.set(skill.name, { ...skill, scope: root.scope, root: root.dir });
        continue;
      }
      let entries: string[];
      try {
        entries = fs.readdirSync(dir).sort();
      } catch (err) {
        problems.push({ path: dir, line: 1, message: `cannot be listed: ${(err as Error).message}` });
        continue;
      }
      for (const name of entries) {
        if (SKIPPED.has(name)) continue;
        const child = path.join(dir, name);
        if (isDirectory(child)) next.push(child);
      }
    }
    level = next;
  }
  return [...found.values()];
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function discoverSkills(locations: SkillLocations): DiscoveredSkills {
  const problems: SkillProblem[] = [];
  const winners = new Map<string, Skill>();
  const overridden: DiscoveredSkills['overridden'] = [];
  const disabled = new Set((locations.disabledPaths ?? []).map(realOrSelf));
  for (const root of skillRoots(locations)) {
    for (const skill of scanRoot(root, problems)) {
      if (disabled.has(skill.path)) continue;
      const earlier = winners.get(skill.name);
      if (earlier) overridden.push({ skill: earlier, by: skill });
      winners.set(skill.name, skill);
    }
  }
  return { skills: [...winners.values()].sort(byName), overridden, problems };
}
