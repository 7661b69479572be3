/**
 * The `<environment_context>` block: where the agent is working. It goes in a user message (it is
 * information, not a platform rule), after the permanent layers and before the first prompt.
 */
import path from 'node:path';

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
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  return { cwd, shell: path.basename(env.SHELL || 'bash'), currentDate: parts, timezone };
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
