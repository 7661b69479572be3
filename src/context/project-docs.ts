/**
 * Project instructions: AGENTS.md files from the Spool home and from the git root down to the cwd.
 *
 * In each directory the first of `AGENTS.override.md`, `AGENTS.md`, then the configured fallback
 * names is used. The total is capped at `maxBytes`; what does not fit is cut, and the cut is said
 * out loud (to the model in the text, and to the user as a warning).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../protocol/errors.js';

export interface ProjectDoc {
  path: string;
  text: string;
}

export interface ProjectDocsResult {
  docs: ProjectDoc[];
  truncated: boolean;
  warnings: string[];
}

interface ProjectDocsOptions {
  cwd: string;
  /** The Spool home; its AGENTS.md applies to every project. */
  spoolHome?: string;
  maxBytes: number;
  fallbackFilenames: string[];
}

/**
 * Whether `dotGit` marks a repository as git itself would accept it: a directory holding `HEAD`, or
 * a `gitdir:` file. An empty `.git` directory (a sandbox's mount point left behind) is not one.
 */
function isGitMarker(dotGit: string): boolean {
  try {
    const stat = fs.statSync(dotGit);
    if (stat.isDirectory()) return fs.statSync(path.join(dotGit, 'HEAD')).isFile();
    return stat.isFile() && /^gitdir:\s*\S/m.test(fs.readFileSync(dotGit, 'utf8').slice(0, 4096));
  } catch (err) {
    expectSystemError(err);
    // Missing or unreadable: not a repository here.
    return false;
  }
}

/** The nearest ancestor of `dir` (inclusive) holding a real `.git` (a repository or a `gitdir:` file). */
export function findGitRoot(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    if (isGitMarker(path.join(current, '.git'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Directories from the git root (or the cwd alone outside a repository) down to the cwd. */
export function directoriesToCwd(cwd: string): string[] {
  const resolved = path.resolve(cwd);
  const root = findGitRoot(resolved) ?? resolved;
  const dirs = [resolved];
  let current = resolved;
  while (current !== root) {
    const parent = path.dirname(current);
    if (parent === current) break;
    dirs.unshift(parent);
    current = parent;
  }
  return dirs;
}

function firstExisting(dir: string, names: string[]): string | undefined {
  for (const name of names) {
    const candidate = path.join(dir, name);
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch (err) {
      expectSystemError(err);
      // not there: try the next name
    }
  }
  return undefined;
}

export function loadProjectDocs(options: ProjectDocsOptions): ProjectDocsResult {
  const names = ['AGENTS.override.md', 'AGENTS.md', ...options.fallbackFilenames];
  const files: string[] = [];
  if (options.spoolHome) {
    const home = firstExisting(options.spoolHome, ['AGENTS.override.md', 'AGENTS.md']);
    if (home) files.push(home);
  }
  for (const dir of directoriesToCwd(options.cwd)) {
    const found = firstExisting(dir, names);
    if (found && !files.includes(found)) files.push(found);
  }

  const docs: ProjectDoc[] = [];
  const warnings: string[] = [];
  let budget = options.maxBytes;
  let truncated = false;
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      warnings.push(`could not read ${file}: ${(err as Error).message}`);
      continue;
    }
    if (text.trim() === '') continue;
    const bytes = Buffer.byteLength(text);
    if (bytes > budget) {
      truncated = true;
      const kept = Buffer.from(text)
        .subarray(0, Math.max(0, budget))
        .toString('utf8')
        .replace(/\uFFFD+$/, '');
      warnings.push(
        `project instructions exceed project_doc_max_bytes (${options.maxBytes} bytes): ${file} was cut after ${Buffer.byteLength(kept)} bytes` +
          (files.indexOf(file) < files.length - 1 ? ', and later files were left out' : ''),
      );
      if (kept.trim() !== '') docs.push({ path: file, text: kept });
      break;
    }
    docs.push({ path: file, text });
    budget -= bytes;
  }
  return { docs, truncated, warnings };
}

/** How the project-instructions block starts. */
export const PROJECT_INSTRUCTIONS_OPEN = '<project_instructions>';

export function renderProjectDocs(result: ProjectDocsResult): string | undefined {
  if (result.docs.length === 0) return undefined;
  const sections = result.docs.map((doc) => `## ${doc.path}\n\n${doc.text.trimEnd()}`);
  const note = result.truncated
    ? '\n\n(The project instructions were cut to fit the size limit; the rest was not included.)'
    : '';
  return `${PROJECT_INSTRUCTIONS_OPEN}\nInstructions from AGENTS.md files; deeper directories take precedence.\n\n${sections.join('\n\n')}${note}\n</project_instructions>`;
}
