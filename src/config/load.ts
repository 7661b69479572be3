/**
 * Reading and validating configuration: `$SPOOL_HOME/config.toml` and `-c` overrides.
 *
 * A syntax error or a wrong type is an error that names the file, line and column and what was
 * expected; an unknown key is a warning (and is ignored), so a config written for a newer Spool or
 * for Codex still loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { ZodError } from 'zod';
import { locateKeys, type Position, positionOf } from './locate.js';
import { SpoolConfig } from './schema.js';

export class ConfigError extends Error {}

/**
 * What a command does with an error while loading its configuration: a `ConfigError` is said as
 * `<who>: message` on `stderr` and becomes exit code 2 (a usage error); anything else is rethrown.
 */
export function exitForConfigError(
  err: unknown,
  stderr: { write(text: string): unknown },
  who = 'spool',
): number {
  if (!(err instanceof ConfigError)) throw err;
  stderr.write(`${who}: ${err.message}\n`);
  return 2;
}

interface ValidatedConfig {
  config: SpoolConfig;
  warnings: string[];
}

function where(file: string, position: Position | undefined): string {
  return position ? `${file}:${position.line}:${position.column}` : file;
}

function describeExpected(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
}

function deleteAt(target: unknown, pathKeys: ReadonlyArray<PropertyKey>, keys: string[]): void {
  let node = target as Record<string, unknown> | undefined;
  for (const key of pathKeys) node = node?.[key as string] as Record<string, unknown> | undefined;
  if (node && typeof node === 'object') for (const key of keys) delete node[key];
}

/**
 * Validates a raw config object. `file` names the source in messages; `positions` (when the source
 * is a TOML text) adds line and column.
 */
export function validateConfig(
  raw: unknown,
  file: string,
  positions = new Map<string, Position>(),
): ValidatedConfig {
  const value = structuredClone(raw);
  const warnings: string[] = [];
  for (let round = 0; round < 8; round++) {
    // Without zod's compiled fast path: a process validates its configuration a few times, and
    // compiling that path for each of the schema's ~40 objects cost more than it saves (~3 ms of
    // every start, issue 18).
    const parsed = SpoolConfig.safeParse(value, { jitless: true });
    if (parsed.success) return { config: parsed.data, warnings };
    const issues = (parsed.error as ZodError).issues;
    const unknown = issues.filter((issue) => issue.code === 'unrecognized_keys');
    const errors = issues.filter((issue) => issue.code !== 'unrecognized_keys');
    if (errors.length > 0) {
      const lines = errors.map((issue) => {
        const keyPath = issue.path.map(String).join('.');
        return `${where(file, positionOf(positions, issue.path))}: ${keyPath || 'config'}: ${describeExpected(issue.message)}`;
      });
      throw new ConfigError(lines.join('\n'));
    }
    for (const issue of unknown) {
      if (issue.code !== 'unrecognized_keys') continue;
      for (const key of issue.keys) {
        const keyPath = [...issue.path, key];
        warnings.push(
          `${where(file, positionOf(positions, keyPath))}: unknown key \`${keyPath.map(String).join('.')}\` (ignored)`,
        );
      }
      deleteAt(value, issue.path, issue.keys);
    }
  }
  throw new ConfigError(`${file}: configuration could not be validated`);
}

/** Parses and validates TOML text. */
export function parseConfigText(text: string, file: string): ValidatedConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const firstLine = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${file}:${err.line}:${err.column}: invalid TOML: ${firstLine}`);
    }
    throw err;
  }
  return validateConfig(raw, file, locateKeys(text));
}

export function configPath(home: string): string {
  return path.join(home, 'config.toml');
}

/** Loads `config.toml` from the Spool home; a missing file is an empty configuration. */
export function loadConfigFile(home: string): ValidatedConfig & { file: string; exists: boolean } {
  const file = configPath(home);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { config: {}, warnings: [], file, exists: false };
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return { ...parseConfigText(text, file), file, exists: true };
}
