/**
 * The skills a turn's input asks for — `$name` in its text, or named explicitly (the app-server's
 * `skill` input items) — as the messages that put their SKILL.md into the conversation.
 */
import type { ContentPart, HistoryItem } from '../../protocol/items.js';
import type { Skill } from './discovery.js';
import { readSkillInjection, skillMentions } from './mentions.js';

export interface SkillInjections {
  items: HistoryItem[];
  /** The skills injected, in order. */
  used: string[];
  warnings: string[];
}

export function skillInjections(
  content: readonly ContentPart[],
  skills: readonly Skill[],
  /** Skills asked for by name or SKILL.md path, besides the text's mentions. */
  explicit: readonly string[] = [],
): SkillInjections {
  const byName = new Map(skills.map((skill) => [skill.name, skill]));
  const warnings: string[] = [];
  const wanted: string[] = [];
  for (const ref of explicit) {
    const skill = byName.get(ref) ?? skills.find((s) => s.path === ref);
    if (!skill) warnings.push(`skill ${ref} is not available here; it was not given to the model`);
    else if (!wanted.includes(skill.name)) wanted.push(skill.name);
  }
  for (const part of content) {
    if (part.type !== 'input_text') continue;
    for (const name of skillMentions(part.text, (n) => byName.has(n)))
      if (!wanted.includes(name)) wanted.push(name);
  }
  const items: HistoryItem[] = [];
  const used: string[] = [];
  for (const name of wanted) {
    const injection = readSkillInjection(byName.get(name) as Skill);
    if (!injection.ok) {
      warnings.push(injection.warning);
      continue;
    }
    used.push(name);
    items.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: injection.text }] });
  }
  return { items, used, warnings };
}
