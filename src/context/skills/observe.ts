/**
 * The skills as a context layer: what is found now, the catalog block for the first messages, a
 * fingerprint per skill for the snapshot, and the message announcing what changed since.
 *
 * A change (a skill added, removed, or its file edited) is announced at the next turn boundary by
 * an appended message that lists only what changed; the catalog sent earlier is never rewritten.
 */
import { createHash } from 'node:crypto';
import type { SkillsSettings } from '../../protocol/settings.js';
import {
  type CatalogEntry,
  catalogBudgetChars,
  catalogWarnings,
  type FittedCatalog,
  fitCatalog,
  renderSkillsCatalog,
} from './catalog.js';
import { type DiscoveredSkills, discoverSkills, type Skill, type SkillLocations } from './discovery.js';
import { formatSkillProblem } from './skill-file.js';

/** name → a short digest of the skill (description, path and file), as remembered in snapshots. */
export type SkillsFingerprint = Record<string, string>;

export interface SkillsObservation {
  found: DiscoveredSkills;
  fitted: FittedCatalog;
  /** The `<skills>` block, or undefined without skills. */
  text: string | undefined;
  fingerprint: SkillsFingerprint;
  /** Problems with skill files, and what the budget cut. */
  warnings: string[];
}

const EMPTY: DiscoveredSkills = { skills: [], overridden: [], problems: [] };

/**
 * The skills for `locations` as `settings` configure them; without settings, only the project's and
 * the Spool home's skills, with the default budget for `contextWindow`.
 */
export function observeSkills(
  locations: Pick<SkillLocations, 'cwd' | 'spoolHome'>,
  settings: SkillsSettings | undefined,
  contextWindow: number | undefined,
): SkillsObservation {
  const found =
    settings?.enabled === false
      ? EMPTY
      : discoverSkills({
          ...locations,
          ...(settings?.userHome ? { userHome: settings.userHome } : {}),
          ...(settings?.codexHome ? { codexHome: settings.codexHome } : {}),
          ...(settings?.disabledPaths?.length ? { disabledPaths: settings.disabledPaths } : {}),
        });
  const budget = settings?.catalogBudgetChars ?? catalogBudgetChars(contextWindow ? { contextWindow } : {});
  const fitted = fitCatalog(found.skills.map(entryOf), budget);
  return {
    found,
    fitted,
    text: renderSkillsCatalog(fitted),
    fingerprint: fingerprintOf(found.skills),
    warnings: [...found.problems.map(formatSkillProblem), ...catalogWarnings(fitted)],
  };
}

function entryOf(skill: Skill): CatalogEntry {
  return { name: skill.name, description: skill.description, path: skill.path };
}

function fingerprintOf(skills: readonly Skill[]): SkillsFingerprint {
  const out: SkillsFingerprint = {};
  for (const skill of skills) {
    out[skill.name] = createHash('sha256')
      .update(`${skill.description}\n${skill.path}\n${skill.digest}`)
      .digest('hex')
      .slice(0, 16);
  }
  return out;
}

function sameFingerprint(a: SkillsFingerprint | undefined, b: SkillsFingerprint): boolean {
  const before = a ?? {};
  const keys = Object.keys(b);
  return keys.length === Object.keys(before).length && keys.every((key) => before[key] === b[key]);
}

const SKILLS_UPDATE_OPEN = '<skills_update>';

/**
 * The message telling the model what changed since `before`, or undefined when nothing did. Added
 * and changed skills are listed like catalog lines (within the same budget); removed ones by name.
 */
export function skillsUpdateText(
  before: SkillsFingerprint | undefined,
  after: SkillsObservation,
): string | undefined {
  const previous = before ?? {};
  const now = after.fingerprint;
  if (sameFingerprint(previous, now)) return undefined;
  const added = after.found.skills.filter((skill) => previous[skill.name] === undefined);
  const changed = after.found.skills.filter(
    (skill) => previous[skill.name] !== undefined && previous[skill.name] !== now[skill.name],
  );
  const removed = Object.keys(previous)
    .filter((name) => now[name] === undefined)
    .sort();
  const listed = fitCatalog([...added, ...changed].map(entryOf), after.fitted.budget);
  const isAdded = new Set(added.map((skill) => skill.name));
  const lines = listed.lines.map((text, index) =>
    isAdded.has(listed.names[index] as string)
      ? `- added ${text.slice(2)}`
      : `- changed ${text.slice(2)} (read its SKILL.md again before using it)`,
  );
  for (const name of listed.dropped)
    lines.push(`- ${isAdded.has(name) ? 'added' : 'changed'} ${name} (no room for details)`);
  for (const name of removed) lines.push(`- removed ${name} (it can no longer be used)`);
  return [SKILLS_UPDATE_OPEN, 'The available skills changed:', ...lines, '</skills_update>'].join('\n');
}
