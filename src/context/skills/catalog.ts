/**
 * The skills catalog the model sees in its first messages: one line per skill (name, description,
 * the path of its SKILL.md), sorted by name, within a character budget.
 *
 * Over budget, the catalog degrades in a fixed order, and says so: descriptions are shortened
 * (all to one common length, so short ones keep theirs), then left out, then skills are left out
 * (in name order, each that still fits is kept). A skill left out can still be used by naming it
 * (`$name`). Everything here is a pure function of the skills and the budget.
 */

/** Budget when the model's context window is not known. */
const DEFAULT_CATALOG_CHARS = 8000;
/** Share of the context window the catalog may take by default. */
const DEFAULT_CATALOG_WINDOW_PERCENT = 2;
/** Characters per token, as the rest of Spool estimates them. */
const CHARS_PER_TOKEN = 4;
/** Descriptions are not shortened below this (shorter than that, leaving them out says as much). */
const MIN_DESCRIPTION_CHARS = 24;

export interface CatalogEntry {
  name: string;
  description: string;
  path: string;
}

export interface CatalogBudgetOptions {
  /** The model's context window in tokens, when known. */
  contextWindow?: number;
  /** Share of the window, in percent (default 2). */
  windowPercent?: number;
  /** A fixed budget in characters; wins over the percentage. */
  maxChars?: number;
}

export function catalogBudgetChars(options: CatalogBudgetOptions): number {
  if (options.maxChars !== undefined) return Math.max(0, Math.floor(options.maxChars));
  const window = options.contextWindow;
  if (!window || window <= 0) return DEFAULT_CATALOG_CHARS;
  const percent = options.windowPercent ?? DEFAULT_CATALOG_WINDOW_PERCENT;
  return Math.max(0, Math.floor((window * percent * CHARS_PER_TOKEN) / 100));
}

export interface FittedCatalog {
  lines: string[];
  /** The skill of each line. */
  names: string[];
  /** The budget it was fitted to, in characters. */
  budget: number;
  total: number;
  /** Skills whose description was shortened. */
  shortened: string[];
  /** Every description was left out. */
  descriptionsDropped: boolean;
  /** Skills left out entirely. */
  dropped: string[];
}

function cut(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points
    .slice(0, max - 1)
    .join('')
    .trimEnd()}…`;
}

function line(entry: CatalogEntry, description: string | undefined): string {
  return description === undefined
    ? `- ${entry.name} (file: ${entry.path})`
    : `- ${entry.name}: ${description} (file: ${entry.path})`;
}

/** Characters the lines take in the message (each ends with a newline). */
function cost(lines: readonly string[]): number {
  let total = 0;
  for (const text of lines) total += Array.from(text).length + 1;
  return total;
}

function withCap(entries: readonly CatalogEntry[], cap: number): string[] {
  return entries.map((entry) => line(entry, cut(entry.description, cap)));
}

export function fitCatalog(entries: readonly CatalogEntry[], budget: number): FittedCatalog {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const base = { budget, total: sorted.length, shortened: [], descriptionsDropped: false, dropped: [] };
  const all = sorted.map((entry) => entry.name);
  const full = sorted.map((entry) => line(entry, entry.description));
  if (cost(full) <= budget) return { ...base, lines: full, names: all };

  // The longest common cap on descriptions that fits.
  const longest = Math.max(...sorted.map((entry) => Array.from(entry.description).length));
  let low = MIN_DESCRIPTION_CHARS;
  let high = longest - 1;
  let best: number | undefined;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    if (cost(withCap(sorted, middle)) <= budget) {
      best = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  if (best !== undefined) {
    const cap = best;
    return {
      ...base,
      lines: withCap(sorted, cap),
      names: all,
      shortened: sorted.filter((entry) => Array.from(entry.description).length > cap).map((e) => e.name),
    };
  }

  const bare = sorted.map((entry) => line(entry, undefined));
  if (cost(bare) <= budget) return { ...base, lines: bare, names: all, descriptionsDropped: true };

  const lines: string[] = [];
  const kept: string[] = [];
  const dropped: string[] = [];
  let used = 0;
  for (const [index, text] of bare.entries()) {
    const size = Array.from(text).length + 1;
    if (used + size <= budget) {
      lines.push(text);
      kept.push((sorted[index] as CatalogEntry).name);
      used += size;
    } else dropped.push((sorted[index] as CatalogEntry).name);
  }
  return { ...base, lines, names: kept, descriptionsDropped: true, dropped };
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, 10).join(', ');
  return list.length > 10 ? `${shown} and ${list.length - 10} more` : shown;
}

/** What the user is told when the catalog did not fit (empty when it did). */
export function catalogWarnings(fitted: FittedCatalog): string[] {
  const head = `the skills catalog has a budget of ${fitted.budget} characters (skills.catalog_max_chars / skills.catalog_window_percent)`;
  if (fitted.dropped.length > 0)
    return [
      `${head}: the descriptions of all ${fitted.total} skills were left out, and ${fitted.dropped.length} skills were left out entirely: ${names(fitted.dropped)} (they still work when named as $name)`,
    ];
  if (fitted.descriptionsDropped)
    return [`${head}: the descriptions of all ${fitted.total} skills were left out`];
  if (fitted.shortened.length > 0)
    return [
      `${head}: the descriptions of ${fitted.shortened.length} skills were shortened: ${names(fitted.shortened)}`,
    ];
  return [];
}

const SKILLS_OPEN = '<skills>';
const SKILLS_CLOSE = '</skills>';

/** The catalog block, or undefined when there is no skill at all. */
export function renderSkillsCatalog(fitted: FittedCatalog): string | undefined {
  if (fitted.total === 0) return undefined;
  const notes: string[] = [];
  if (fitted.descriptionsDropped)
    notes.push('Descriptions were left out for lack of room; read a SKILL.md to see what it is for.');
  else if (fitted.shortened.length > 0)
    notes.push('Some descriptions are shortened (ending in …); the SKILL.md has the full text.');
  if (fitted.dropped.length > 0)
    notes.push(
      `${fitted.dropped.length} more skills are not listed for lack of room; the user can still name them.`,
    );
  return [
    SKILLS_OPEN,
    'Skills are instructions for particular kinds of work, each a folder with a SKILL.md file and sometimes scripts, templates or references beside it. These skills are available:',
    ...fitted.lines,
    ...notes,
    'How to use them: when the user names a skill (as `$name`) or the task clearly matches a description, read that SKILL.md in full before you start (for example `cat` on the path above) and follow it. Paths it mentions are relative to its folder; open only the files the task needs. When a SKILL.md has already been given to you in this conversation, do not read it again. Do not use a skill the task does not call for.',
    SKILLS_CLOSE,
  ].join('\n');
}
