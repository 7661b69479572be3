/**
 * What the model has been told about its situation, as a snapshot, and the messages that bring it
 * up to date when something changes between turns.
 *
 * History is append-only: a change (cwd, sandbox, approvals, model, date, AGENTS.md) is announced by
 * a new message describing only what changed, placed before the next user message. Nothing earlier
 * is rewritten, so every request stays a byte-exact extension of the previous one.
 */
import { createHash } from 'node:crypto';
import type { HistoryItem } from '../protocol/items.js';
import type { ContextSnapshot } from '../protocol/rollout.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { effectivePermissions } from '../sandbox/plan-mode.js';
import { effectiveWritableRoots } from '../sandbox/writable-roots.js';
import { collaborationModeText } from './collaboration-mode.js';
import { currentEnvironment, renderEnvironmentContext } from './environment-context.js';
import {
  loadProjectDocs,
  PROJECT_INSTRUCTIONS_OPEN,
  type ProjectDocsResult,
  renderProjectDocs,
} from './project-docs.js';
import { observeSkills, type SkillsObservation, skillsUpdateText } from './skills/observe.js';

/** How the message announcing new project instructions starts. */
export const PROJECT_INSTRUCTIONS_CHANGED =
  'The project instructions changed; these replace the earlier ones.';

export interface ContextObservation {
  snapshot: ContextSnapshot;
  projectDocs: ProjectDocsResult;
  /** The rendered `<project_instructions>` block, if any. */
  projectDocsText: string | undefined;
  skills: SkillsObservation;
  /** The `<collaboration_mode>` block for the thread's mode. */
  collaborationModeText: string;
}

/** Reads the current situation (AGENTS.md files and skills included) for `settings`. */
export function observeContext(settings: ThreadSettings, now: Date = new Date()): ContextObservation {
  const mode = settings.collaborationMode ?? 'default';
  // What commands really run under (plan mode narrows the session's sandbox).
  const { sandbox, bypassSandbox } = effectivePermissions(mode, settings);
  const skills = observeSkills(
    { cwd: settings.cwd, spoolHome: settings.spoolHome },
    settings.skills,
    settings.contextWindow,
  );
  const projectDocs = loadProjectDocs({
    cwd: settings.cwd,
    spoolHome: settings.spoolHome,
    maxBytes: settings.projectDocMaxBytes,
    fallbackFilenames: settings.projectDocFallbackFilenames,
  });
  const projectDocsText = renderProjectDocs(projectDocs);
  const env = currentEnvironment(settings.cwd, settings.shellEnv, now);
  return {
    projectDocs,
    projectDocsText,
    skills,
    collaborationModeText: collaborationModeText(mode, settings.userInputInDefaultMode ?? false),
    snapshot: {
      cwd: env.cwd,
      shell: env.shell,
      current_date: env.currentDate,
      timezone: env.timezone,
      model: settings.model,
      sandbox_mode: bypassSandbox ? 'danger-full-access' : sandbox.mode,
      network_access: bypassSandbox || sandbox.mode === 'danger-full-access' || sandbox.networkAccess,
      writable_roots: effectiveWritableRoots(sandbox, settings.cwd, settings.shellEnv),
      approval_policy: bypassSandbox ? 'never' : settings.approvalPolicy,
      project_docs_digest: projectDocsText ? createHash('sha256').update(projectDocsText).digest('hex') : '',
      // Absent means default / no skills, so ordinary snapshots stay as they were.
      ...(mode === 'plan' ? { collaboration_mode: mode } : {}),
      ...(Object.keys(skills.fingerprint).length > 0 ? { skills: skills.fingerprint } : {}),
    },
  };
}

function text(role: 'developer' | 'user', body: string): HistoryItem {
  return { type: 'message', role, content: [{ type: 'input_text', text: body }] };
}

/**
 * The messages that tell the model what changed from `before` to `after` (empty when nothing did).
 * Platform rules go in a developer message; the environment and project instructions in user
 * messages, as in the initial context.
 */
export function contextUpdateMessages(before: ContextSnapshot, after: ContextObservation): HistoryItem[] {
  const next = after.snapshot;
  const messages: HistoryItem[] = [];

  const rules: string[] = [];
  if (before.model !== next.model) rules.push(`- model: ${before.model} → ${next.model}`);
  if (before.sandbox_mode !== next.sandbox_mode)
    rules.push(`- sandbox: ${before.sandbox_mode} → ${next.sandbox_mode}`);
  if (before.network_access !== next.network_access) {
    rules.push(`- network access: ${next.network_access ? 'enabled' : 'disabled'}`);
  }
  if (before.writable_roots.join('\n') !== next.writable_roots.join('\n')) {
    rules.push(
      next.writable_roots.length > 0
        ? `- writable roots are now: ${next.writable_roots.join(', ')}`
        : '- no directory is writable now',
    );
  }
  if (before.approval_policy !== next.approval_policy) {
    rules.push(`- approval policy: ${before.approval_policy} → ${next.approval_policy}`);
  }
  if (rules.length > 0) {
    messages.push(
      text(
        'developer',
        `<permissions_update>\nThe user changed the session's settings:\n${rules.join('\n')}\n</permissions_update>`,
      ),
    );
  }
  if ((before.collaboration_mode ?? 'default') !== (next.collaboration_mode ?? 'default'))
    messages.push(text('developer', after.collaborationModeText));

  const environment: Parameters<typeof renderEnvironmentContext>[0] = {};
  if (before.cwd !== next.cwd) environment.cwd = next.cwd;
  if (before.shell !== next.shell) environment.shell = next.shell;
  if (before.current_date !== next.current_date) environment.currentDate = next.current_date;
  if (before.timezone !== next.timezone) environment.timezone = next.timezone;
  if (Object.keys(environment).length > 0) messages.push(text('user', renderEnvironmentContext(environment)));

  if (before.project_docs_digest !== next.project_docs_digest) {
    messages.push(
      text(
        'user',
        after.projectDocsText
          ? `${PROJECT_INSTRUCTIONS_CHANGED}\n${after.projectDocsText}`
          : `${PROJECT_INSTRUCTIONS_OPEN}\nThe project instructions were removed; the earlier ones no longer apply.\n</project_instructions>`,
      ),
    );
  }
  const skills = skillsUpdateText(before.skills, after.skills);
  if (skills) messages.push(text('user', skills));
  return messages;
}
