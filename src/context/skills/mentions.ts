/**
 * Using a skill by naming it: `$name` in the user's prompt puts that skill's SKILL.md into the
 * conversation, as a user message right after the prompt:
 *
 *   <skill>
 *   <name>NAME</name>
 *   <path>/abs/path/SKILL.md</path>
 *   …the file as it is now…
 *   </skill>
 *
 * `$` followed by a name that is no skill (`$HOME`, `$5`) is left alone.
 */
import fs from 'node:fs';

/** Larger SKILL.md files are cut when injected (the model is told where the rest is). */
const MAX_INJECTED_BYTES = 128 * 1024;

const MENTION = /(?<![A-Za-z0-9_$])\$([A-Za-z0-9][A-Za-z0-9_:-]*)/g;

/** The skill names mentioned in `text`, in order of first mention, among `known`. */
export function skillMentions(text: string, known: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(MENTION)) {
    let name = match[1] as string;
    // "use $deploy: now" or "$deploy-" at a sentence's end: the punctuation is not part of the name.
    while (!known(name) && /[-:]$/.test(name)) name = name.slice(0, -1);
    if (known(name) && !found.includes(name)) found.push(name);
  }
  return found;
}

const SKILL_OPEN = '<skill>';

function skillInjectionText(skill: { name: string; path: string }, contents: string): string {
  return `${SKILL_OPEN}\n<name>${skill.name}</name>\n<path>${skill.path}</path>\n${contents.replace(/\s+$/, '')}\n</skill>`;
}

export type SkillInjection = { ok: true; text: string } | { ok: false; warning: string };

/** Reads the skill's file now and renders the message; a file that vanished is a warning. */
export function readSkillInjection(skill: { name: string; path: string }): SkillInjection {
  let data: Buffer;
  try {
    data = fs.readFileSync(skill.path);
  } catch (err) {
    return {
      ok: false,
      warning: `skill $${skill.name}: ${skill.path} cannot be read: ${(err as Error).message}`,
    };
  }
  let contents = data.toString('utf8');
  if (data.length > MAX_INJECTED_BYTES) {
    contents = `${data
      .subarray(0, MAX_INJECTED_BYTES)
      .toString('utf8')
      .replace(
        /\uFFFD+$/,
        '',
      )}\n\n(The file is ${data.length} bytes; only the first ${MAX_INJECTED_BYTES} are shown. Read the rest from ${skill.path}.)`;
  }
  return { ok: true, text: skillInjectionText(skill, contents) };
}
