/**
 * The first items of every thread's history, in a fixed order (static → dynamic):
 *   1. developer: permissions (+ developer instructions from config)
 *   2. user: project instructions (AGENTS.md) + environment context
 * The base instructions travel separately, in the request's `instructions` field.
 * Later changes are appended as new messages (snapshot.ts); these items are never rewritten.
 */

import type { ContentPart, HistoryItem } from '../protocol/items.js';
import type { ThreadSettings } from '../protocol/settings.js';
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
        sandbox: settings.sandbox,
        approvalPolicy: settings.approvalPolicy,
        bypassSandbox: settings.bypassSandbox,
        writableRoots: snapshot.writable_roots,
      }),
    ),
  ];
  if (settings.developerInstructions?.trim()) developer.push(text(settings.developerInstructions));

  const user: ContentPart[] = [];
  if (observation.projectDocsText) user.push(text(observation.projectDocsText));
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
