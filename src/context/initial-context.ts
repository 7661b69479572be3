/**
 * The first items of every thread's history, in a fixed order (static → dynamic):
 *   1. developer: permissions (+ developer instructions from config)
 *   2. user: project instructions (AGENTS.md) + environment context
 * The base instructions travel separately, in the request's `instructions` field.
 * Later changes are appended as new messages; these items are never rewritten.
 */
import type { ContentPart, HistoryItem } from '../protocol/items.js';
import { type EnvironmentContext, renderEnvironmentContext } from './environment-context.js';
import { type PermissionsInput, renderPermissions } from './permissions.js';
import { type ProjectDocsResult, renderProjectDocs } from './project-docs.js';

export interface InitialContextInput {
  permissions: PermissionsInput;
  developerInstructions?: string;
  projectDocs: ProjectDocsResult;
  environment: EnvironmentContext;
}

function text(value: string): ContentPart {
  return { type: 'input_text', text: value };
}

export function buildInitialContext(input: InitialContextInput): HistoryItem[] {
  const developer: ContentPart[] = [text(renderPermissions(input.permissions))];
  if (input.developerInstructions?.trim()) developer.push(text(input.developerInstructions));

  const user: ContentPart[] = [];
  const docs = renderProjectDocs(input.projectDocs);
  if (docs) user.push(text(docs));
  user.push(text(renderEnvironmentContext(input.environment)));

  return [
    { type: 'message', role: 'developer', content: developer },
    { type: 'message', role: 'user', content: user },
  ];
}
