/** Spool's own tools for a thread, with what they must know about the model (from the catalog). */
import { modelInfo } from '../model/catalog.js';
import type { ThreadSettings } from '../protocol/settings.js';
import { createDefaultTools, type ThreadTools } from '../tools/default-tools.js';

/** Spool's built-in tools for a thread running with `settings`. */
export function builtinTools(settings: ThreadSettings): ThreadTools {
  return createDefaultTools(settings, { customTools: modelInfo(settings.model).customTools });
}
