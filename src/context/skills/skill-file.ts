/**
 * One `SKILL.md` (the open Agent Skills format): YAML front matter between `---` lines with the
 * skill's `name` and `description` (and optional metadata), then the instructions.
 *
 * Parsing never throws: a file that cannot be used comes back as a problem naming the file and the
 * line, for a warning. The body is not kept here; it is read again when the skill is used, so an
 * edit made during a session is what the model gets.
 */
import { createHash } from 'node:crypto';
import { isMap, isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

/** Longest `name` and `description` the format allows. */
const MAX_NAME_CHARS = 64;
const MAX_DESCRIPTION_CHARS = 1024;

/**
 * Names a `$name` mention can spell: letters, digits, `-`, `_` and `:` (the format itself asks for
 * lowercase letters, digits and hyphens; Codex users' names sometimes use more).
 */
const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9_:-]*$/;

export interface SkillFile {
  name: string;
  /** The description on one line (YAML's line breaks folded into spaces). */
  description: string;
  /** `metadata.short-description`, when the file has one (Codex's short form, for lists). */
  shortDescription?: string;
  /** Absolute path of the SKILL.md. */
  path: string;
  /** sha256 of the whole file: a change to the instructions is a change to the skill. */
  digest: string;
}

/** Why a file is not a usable skill, with the 1-based line it is about. */
export interface SkillProblem {
  path: string;
  line: number;
  message: string;
}

export type SkillParse = { ok: true; skill: SkillFile } | { ok: false; problem: SkillProblem };

const FENCE = /^---[ \t]*$/;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function parseSkillFile(path: string, source: string): SkillParse {
  const fail = (line: number, message: string): SkillParse => ({
    ok: false,
    problem: { path, line, message },
  });
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (!FENCE.test(lines[0] ?? '')) {
    return fail(
      1,
      'SKILL.md must start with YAML front matter: a line "---", the name and description, then "---"',
    );
  }
  const close = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  if (close < 0) return fail(1, 'the front matter is not closed (no line "---" after it)');

  // Line n of the front matter is line n + 1 of the file.
  const yamlText = lines.slice(1, close).join('\n');
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? counter.linePos(node.range[0]).line + 1 : 2;
  const firstError = doc.errors[0];
  if (firstError) {
    const at = counter.linePos(firstError.pos[0]).line;
    return fail(at + 1, `invalid YAML in the front matter: ${firstError.message.split('\n')[0]}`);
  }
  const contents = doc.contents;
  if (!isMap(contents)) return fail(2, 'the front matter must be a mapping with name and description');
  const map = contents as YAMLMap;
  const entry = (key: string) => map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
  const field = (key: string): { value: unknown; line: number } | undefined => {
    const pair = entry(key);
    if (!pair) return undefined;
    const value = pair.value;
    return {
      value: isScalar(value) ? value.value : value === null ? null : (value as Node).toJSON?.(),
      line: lineOf(pair.key as Node),
    };
  };

  const name = field('name');
  if (!name) return fail(2, 'the front matter has no "name"');
  if (typeof name.value !== 'string' || name.value.trim() === '')
    return fail(name.line, '"name" must be a non-empty string');
  const skillName = name.value.trim();
  if (skillName.length > MAX_NAME_CHARS)
    return fail(name.line, `"name" is ${skillName.length} characters; at most ${MAX_NAME_CHARS} are allowed`);
  if (!SKILL_NAME.test(skillName))
    return fail(
      name.line,
      `"name" ${JSON.stringify(skillName)} cannot be mentioned as $name: use letters, digits, "-", "_" or ":"`,
    );

  const description = field('description');
  if (!description) return fail(2, 'the front matter has no "description"');
  if (typeof description.value !== 'string' || description.value.trim() === '')
    return fail(description.line, '"description" must be a non-empty string');
  const skillDescription = oneLine(description.value);
  if (skillDescription.length > MAX_DESCRIPTION_CHARS)
    return fail(
      description.line,
      `"description" is ${skillDescription.length} characters; at most ${MAX_DESCRIPTION_CHARS} are allowed`,
    );

  const metadata = field('metadata');
  let shortDescription: string | undefined;
  if (metadata && metadata.value !== null) {
    if (typeof metadata.value !== 'object' || Array.isArray(metadata.value))
      return fail(metadata.line, '"metadata" must be a mapping');
    const short = (metadata.value as Record<string, unknown>)['short-description'];
    if (typeof short === 'string' && short.trim() !== '') shortDescription = oneLine(short);
  }

  return {
    ok: true,
    skill: {
      name: skillName,
      description: skillDescription,
      ...(shortDescription ? { shortDescription } : {}),
      path,
      digest: createHash('sha256').update(source).digest('hex'),
    },
  };
}

export function formatSkillProblem(problem: SkillProblem): string {
  return `skill ${problem.path}:${problem.line}: ${problem.message}`;
}
