/**
 * The `<environment_context>` block: where the agent is working. It goes in a user message (it is
 * information, not a platform rule), after the permanent layers and before the first prompt.
 */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { expectSystemError } from '../protocol/errors.js';

interface EnvironmentContext {
  cwd: string;
  shell: string;
  /** YYYY-MM-DD in the user's timezone. */
  currentDate: string;
  timezone: string;
}

export function currentEnvironment(
  cwd: string,
  env: NodeJS.ProcessEnv,
  now: Date = new Date(),
): EnvironmentContext {
  const timezone = localTimezoneName();
  return { cwd, shell: path.basename(env.SHELL || 'bash'), currentDate: localDate(now), timezone };
}

/** YYYY-MM-DD in the process's local time (the zone `localTimezoneName` names). */
function localDate(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/**
 * The IANA name of the process's time zone, read where the system keeps it (as Codex does): `TZ`,
 * else the zone file `/etc/localtime` links to. Only without either is it asked of `Intl`, whose
 * first use loads the locale data (25 ms on an idle machine, far more on a busy one, before the
 * first request).
 */
function localTimezoneName(): string {
  const fromTz = process.env.TZ?.replace(/^:/, '').trim();
  if (fromTz) return zoneOfPath(fromTz) ?? fromTz;
  try {
    const zone = zoneOfPath(readlinkSync('/etc/localtime'));
    if (zone) return zone;
  } catch (err) {
    // No such link here (another OS, a copied file instead of a link): ask Intl.
    expectSystemError(err);
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** `…/zoneinfo/Europe/Paris` → `Europe/Paris`; undefined for a path outside a zoneinfo tree. */
function zoneOfPath(file: string): string | undefined {
  const at = file.lastIndexOf('zoneinfo/');
  if (at >= 0) return file.slice(at + 'zoneinfo/'.length) || undefined;
  return path.isAbsolute(file) ? undefined : file;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** How the block starts (compaction tells Spool's context messages from the user's by it). */
export const ENVIRONMENT_CONTEXT_OPEN = '<environment_context>';

export function renderEnvironmentContext(context: Partial<EnvironmentContext>): string {
  const lines = [ENVIRONMENT_CONTEXT_OPEN];
  if (context.cwd !== undefined) lines.push(`  <cwd>${escapeXml(context.cwd)}</cwd>`);
  if (context.shell !== undefined) lines.push(`  <shell>${escapeXml(context.shell)}</shell>`);
  if (context.currentDate !== undefined) lines.push(`  <current_date>${context.currentDate}</current_date>`);
  if (context.timezone !== undefined) lines.push(`  <timezone>${escapeXml(context.timezone)}</timezone>`);
  lines.push('</environment_context>');
  return lines.join('\n');
}
