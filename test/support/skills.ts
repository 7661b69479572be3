/** Skill folders for tests: a SKILL.md with front matter, written where discovery looks. */
import fs from 'node:fs';
import path from 'node:path';

export function writeSkill(
  root: string,
  folder: string,
  name: string,
  description: string,
  body = 'Do it.',
): string {
  const dir = path.join(root, folder);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'SKILL.md');
  fs.writeFileSync(file, `---\nname: ${name}\ndescription: ${description}\n---\n\n${body}\n`);
  return file;
}

/** Makes `dir` a git repository root as discovery recognises one (a `.git` with a HEAD). */
export function markGitRoot(dir: string): void {
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
}
