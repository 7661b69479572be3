/**
 * Bounds on what one tool call may carry (`tool_arguments_max_bytes`) and on the files apply_patch
 * reads (`apply_patch_max_file_bytes`). Generous for real patches and commands; what lies beyond is
 * refused with an error naming the key, before it is parsed or read.
 */

import type { ToolLimits } from '../protocol/settings.js';

export const DEFAULT_TOOL_LIMITS: Readonly<ToolLimits> = Object.freeze({
  argumentsMaxBytes: 4 * 1024 * 1024,
  patchFileMaxBytes: 16 * 1024 * 1024,
});
