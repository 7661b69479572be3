/** skills/list (Codex's v2 shape, one entry per cwd) and collaborationMode/list (the presets). */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../config/load.js';
import { loadRuntime } from '../../config/runtime.js';
import { listSkills } from '../../context/skills/list.js';
import type { SkillsListResponse } from '../../protocol/app-server-v2.js';
import { invalidParams } from '../jsonrpc.js';
import { SkillsListParams } from '../params.js';
import { defineMethod, type MethodTable } from '../router.js';

export const skillsAndModesMethods: MethodTable = {
  'skills/list': defineMethod(SkillsListParams, (ctx, params): SkillsListResponse => {
    const server = ctx.server.ctx;
    const cwds = params.cwds?.length ? params.cwds : [server.flags.cwd ?? process.cwd()];
    const data = cwds.map((cwd) => {
      let settings: ReturnType<typeof loadRuntime>['settings'];
      try {
        // Each directory's own configuration (a project's .codex-style overrides included).
        settings = loadRuntime({ ...server.flags, cwd: path.resolve(cwd) }, server.env).settings;
      } catch (err) {
        if (err instanceof ConfigError) throw invalidParams(`configuration: ${err.message}`);
        throw err;
      }
      // Skills are read from disk at every call: there is no cache to bypass (`forceReload`).
      return listSkills(settings.cwd, settings.spoolHome, settings.skills);
    });
    return { data };
  }),

  /** Codex's `CollaborationModeMask` presets; turn/start takes `collaborationMode: {mode, settings}`. */
  'collaborationMode/list': defineMethod(z.object({}).loose().nullish(), () => ({
    data: [
      { name: 'Default', mode: 'default', model: null, reasoning_effort: null },
      { name: 'Plan', mode: 'plan', model: null, reasoning_effort: null },
    ],
  })),
};
