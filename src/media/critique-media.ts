/**
 * `critique_media {path, verdict, notes}`: the model's verdict on an asset after viewing it —
 * `accepted` (it meets the brief and the brand guide), `revise` or `rejected` — kept in the asset's
 * manifest entry, so the manifest says which output was chosen and why.
 */
import path from 'node:path';
import { z } from 'zod';
import { functionSpec, parseJsonArguments } from '../tools/spec.js';
import type { ToolHandler } from '../tools/types.js';
import type { MediaStudio } from './studio.js';
import { resolveViewable, ViewablePathError } from './view-media.js';

const CritiqueMediaArgs = z
  .object({
    path: z.string().min(1).describe('The asset judged (as generate_* reported it).'),
    verdict: z
      .enum(['accepted', 'revise', 'rejected'])
      .describe('accepted: meets the brief; revise or rejected: it does not.'),
    notes: z.string().describe('What works and what does not, against the brief and the brand guide.'),
  })
  .strict();
type CritiqueMediaArgs = z.infer<typeof CritiqueMediaArgs>;

const DESCRIPTION = `Records your verdict on an asset you viewed: accepted, revise or rejected, with notes against the brief and the brand guide.
The verdict is kept in the output folder's manifest.`;

export function createCritiqueMediaTool(studio: MediaStudio): ToolHandler<CritiqueMediaArgs> {
  return {
    name: 'critique_media',
    spec: functionSpec('critique_media', DESCRIPTION, CritiqueMediaArgs),
    parallel: false,
    parse: (raw) => parseJsonArguments('critique_media', raw, CritiqueMediaArgs),
    run: async (args, ctx) => {
      let file: string;
      try {
        file = resolveViewable(args.path, ctx.cwd, studio.out);
      } catch (err) {
        if (!(err instanceof ViewablePathError)) throw err;
        return { output: `Cannot record a verdict for ${args.path}: ${err.message}.`, success: false };
      }
      const relative = studio.out.contains(file) ? studio.out.relative(file) : undefined;
      let found = false;
      studio.out.updateManifest((manifest) => {
        for (const asset of manifest.assets)
          if (asset.file === relative) {
            asset.critique = { verdict: args.verdict, notes: args.notes };
            found = true;
          }
      });
      const shown = path.relative(ctx.cwd, file) || file;
      if (!found)
        return { output: `${shown} is not an asset of the manifest; nothing was recorded.`, success: false };
      return { output: `Recorded: ${shown} ${args.verdict}.`, success: true };
    },
  };
}
