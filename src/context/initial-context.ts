/**
 * The first items of every thread's history, in a fixed order (static → dynamic):
 *   1. developer: permissions (+ developer instructions from config, + plan mode when it starts in it)
 *   2. user: project instructions (AGENTS.md) + the skills catalog + environment context
 * The skills catalog is a user message like AGENTS.md: a project's files never outrank the platform.
 * The base instructions travel separately, in the request's `instructions` field.
 * Later changes are appended as new messages (snapshot.ts); these items are never rewritten.
 */

import type { ContentPart, HistoryItem } from '../protocol/items.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { effectivePermissions } from '../sandbox/plan-mode.js';
import { renderEnvironmentContext } from './environment-context.js';
import { renderPermissions } from './permissions.js';
import type { ContextObservation } from './snapshot.js';

function text(value: string): ContentPart {
  return { type: 'input_text', text: value };
}

export function buildInitialContext(
  settings: ThreadSettings,
  observation: ContextObservation,
): HistoryItem[] {
  const snapshot = observation.snapshot;
  const developer: ContentPart[] = [
    text(
      renderPermissions({
        ...effectivePermissions(settings.collaborationMode, settings),
        approvalPolicy: settings.approvalPolicy,
        writableRoots: snapshot.writable_roots,
      }),
    ),
  ];
  if (settings.developerInstructions?.trim()) developer.push(text(settings.developerInstructions));
  if (snapshot.collaboration_mode === 'plan') developer.push(text(observation.collaborationModeText));

  const user: ContentPart[] = [];
  if (observation.projectDocsText) user.push(text(observation.projectDocsText));
  if (observation.skills.text) user.push(text(observation.skills.text));
  user.push(
    text(
      renderEnvironmentContext({
        cwd: snapshot.cwd,
        shell: snapshot.shell,
        currentDate: snapshot.current_date,
        timezone: snapshot.timezone,
      }),
    ),
  );

  return [
    { type: 'message', role: 'developer', content: developer },
    { type: 'message', role: 'user', content: user },
  ];
}
