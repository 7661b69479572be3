/**
 * The skills of one working directory as front ends list them (`spool skills list`, the
 * app-server's `skills/list`): Codex's v2 `SkillsListEntry` (the generated type) — every skill in effect, turned
 * off ones included (`enabled: false`), and the files that could not be read, with file and line.
 */
import type { SkillsListEntry } from '../../protocol/app-server-v2.js';
import type { SkillsSettings } from '../../protocol/settings.js';
import { discoverSkills } from './discovery.js';

export function listSkills(
  cwd: string,
  spoolHome: string,
  settings: SkillsSettings | undefined,
): SkillsListEntry {
  if (settings?.enabled === false) return { cwd, skills: [], errors: [] };
  const locations = {
    cwd,
    spoolHome,
    ...(settings?.userHome ? { userHome: settings.userHome } : {}),
    ...(settings?.codexHome ? { codexHome: settings.codexHome } : {}),
  };
  const all = discoverSkills(locations);
  // With the turned-off files left out, a less specific skill of the same name may win instead.
  const active = settings?.disabledPaths?.length
    ? discoverSkills({ ...locations, disabledPaths: settings.disabledPaths })
    : all;
  const inEffect = new Set(active.skills.map((skill) => skill.path));
  const shown = [
    ...active.skills,
    ...all.skills.filter(
      (skill) => !inEffect.has(skill.path) && !active.skills.some((s) => s.name === skill.name),
    ),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    cwd,
    skills: shown.map((skill) => ({
      name: skill.name,
      description: skill.description,
      shortDescription: skill.shortDescription ?? null,
      path: skill.path,
      scope: skill.scope,
      enabled: inEffect.has(skill.path),
    })),
    errors: all.problems.map((problem) => ({
      path: problem.path,
      message: `line ${problem.line}: ${problem.message}`,
    })),
  };
}
