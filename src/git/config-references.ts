/**
 * The files a repository's git configuration makes git read or run: the configuration files
 * themselves (the repository's, its worktree's, the user's global ones), every file they include
 * (`include.path`, `includeIf.<condition>.path`, followed recursively, whatever the condition), and
 * the hooks directory (`core.hooksPath`, else `<common dir>/hooks`). A sandboxed command that could
 * write one of them could make the next git run on the host (Spool's or the user's) run its code,
 * so the write policy keeps those inside a writable root read-only.
 *
 * Read with a small parser of git's config syntax for exactly these keys (no git process: the write
 * policy is built for every command); what it cannot read it skips, and the rest of git's own
 * protection (host-git.ts) does not depend on it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectErrno, UNREADABLE } from '../protocol/errors.js';
import type { PinnedRepository } from './repository.js';

const MAX_INCLUDE_DEPTH = 10;

interface ConfigEntry {
  section: string;
  key: string;
  value: string;
}

/** A value as git reads it: quotes removed, escapes applied, a comment after it dropped. */
function parseValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i] as string;
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : next;
    } else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return out.trim();
}

/** The entries of one config file's text (sections lower-cased, subsections dropped). */
function parseGitConfig(text: string): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  let section = '';
  for (const rawLine of text.split('\n')) {
    let line = rawLine.trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(?:[^"\\]|\\.)*")?\s*\]/.exec(line);
    if (header) {
      section = (header[1] as string).split('.')[0]?.toLowerCase() ?? '';
      line = line.slice(header[0].length).trim();
    }
    const pair = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/.exec(line);
    if (pair && section !== '') {
      entries.push({ section, key: (pair[1] as string).toLowerCase(), value: parseValue(pair[2] ?? '') });
    }
  }
  return entries;
}

function expandPath(value: string, base: string, home: string): string | undefined {
  if (value === '') return undefined;
  if (value === '~' || value.startsWith('~/')) return path.join(home, value.slice(1));
  if (value.startsWith('~')) return undefined;
  return path.resolve(base, value);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    expectErrno(err, UNREADABLE);
    return undefined;
  }
}

/** The user's global and system configuration files, where git would look for them. */
function userConfigFiles(env: NodeJS.ProcessEnv, home: string): string[] {
  const files: string[] = [];
  if (env.GIT_CONFIG_GLOBAL) files.push(env.GIT_CONFIG_GLOBAL);
  else {
    const xdg =
      env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
        ? env.XDG_CONFIG_HOME
        : path.join(home, '.config');
    files.push(path.join(xdg, 'git', 'config'), path.join(home, '.gitconfig'));
  }
  if (!env.GIT_CONFIG_NOSYSTEM) files.push(env.GIT_CONFIG_SYSTEM || '/etc/gitconfig');
  return files;
}

/**
 * Every existing file and directory `repo`'s configuration reads or runs (see above), plus the
 * hooks directory whether or not it exists. Absolute paths; symlinks not resolved.
 */
export function gitConfigReferences(repo: PinnedRepository, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
  const found = new Set<string>();
  let hooksPath: string | undefined;
  const visit = (file: string, depth: number): void => {
    if (found.has(file) || depth > MAX_INCLUDE_DEPTH) return;
    const text = readText(file);
    if (text === undefined) return;
    found.add(file);
    for (const entry of parseGitConfig(text)) {
      if (entry.key === 'path' && (entry.section === 'include' || entry.section === 'includeif')) {
        const included = expandPath(entry.value, path.dirname(file), home);
        if (included) visit(included, depth + 1);
      } else if (entry.section === 'core' && entry.key === 'hookspath') {
        // The last one wins, as in git; relative to where hooks run (the top of the work tree).
        hooksPath = expandPath(entry.value, repo.workTree, home) ?? hooksPath;
      }
    }
  };
  for (const file of userConfigFiles(env, home)) visit(file, 0);
  visit(path.join(repo.commonDir, 'config'), 0);
  visit(path.join(repo.gitDir, 'config.worktree'), 0);
  return [...found, hooksPath ?? path.join(repo.commonDir, 'hooks')];
}
