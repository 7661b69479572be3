/** Spool's own tools for a thread, with what they must know about the model (from the catalog). */
import { modelInfo } from '../model/catalog.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { createDefaultTools, type ThreadTools } from '../tools/default-tools.js';
import type { ToolHandler } from '../tools/types.js';

/** Spool's built-in tools for a thread running with `settings` (and `extraTools`, e.g. collaboration). */
export function builtinTools(settings: ThreadSettings, extraTools: ToolHandler[] = []): ThreadTools {
  return createDefaultTools(settings, { customTools: modelInfo(settings.model).customTools, extraTools });
}
