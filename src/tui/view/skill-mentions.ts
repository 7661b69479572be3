/** `$name` in the composer: the skill being typed at the caret, and the skills that match it. */

export interface SkillChoice {
  name: string;
  description: string;
}

/** The `$word` the caret is in, if any. */
export function skillAtCursor(
  text: string,
  cursor: number,
): { start: number; end: number; query: string } | undefined {
  const before = text.slice(0, cursor);
  const match = /(^|\s)\$([A-Za-z0-9_:-]*)$/.exec(before);
  if (!match) return undefined;
  const typed = match[2] as string;
  const after = (/^[A-Za-z0-9_:-]*/.exec(text.slice(cursor)) as RegExpExecArray)[0];
  return { start: cursor - typed.length - 1, end: cursor + after.length, query: typed + after };
}

/** Skills whose name starts with the query first, then those that contain it; at most `limit`. */
export function matchSkills(query: string, skills: readonly SkillChoice[], limit = 8): SkillChoice[] {
  const q = query.toLowerCase();
  const starts = skills.filter((s) => s.name.toLowerCase().startsWith(q));
  const contains = skills.filter(
    (s) => !s.name.toLowerCase().startsWith(q) && s.name.toLowerCase().includes(q),
  );
  return [...starts, ...contains].slice(0, limit);
}
