/**
 * `spool skills list`: the skills the model would get in this directory (docs/skills.md), where
 * each comes from, which are turned off, and the files that are no usable skill. `--json` prints
 * Codex's v2 `SkillsListEntry` (the app-server's `skills/list` answer for one directory).
 */
import type { CliFlags } from '../config/runtime.js';
import { listSkills } from '../context/skills/list.js';
import { type CommandIo, runtimeForCommand } from './command-runtime.js';

export function runSkillsList(flags: CliFlags & { json?: boolean }, io: CommandIo): number {
  const runtime = runtimeForCommand(flags, io);
  if (typeof runtime === 'number') return runtime;
  const { settings } = runtime;
  const entry = listSkills(settings.cwd, settings.spoolHome, settings.skills);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
    return 0;
  }
  for (const error of entry.errors) io.stderr.write(`warning: skill ${error.path}: ${error.message}\n`);
  if (settings.skills?.enabled === false) {
    io.stdout.write('Skills are turned off (skills.enabled = false).\n');
    return 0;
  }
  if (entry.skills.length === 0) {
    io.stdout.write(`No skills found for ${entry.cwd}.\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const skill of entry.skills) {
    const off = skill.enabled ? '' : ' (turned off)';
    lines.push(`${skill.name}${off} [${skill.scope}]`, `  ${skill.description}`, `  ${skill.path}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
