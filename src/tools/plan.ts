/**
 * `update_plan`: the model keeps a short step list for long work (Codex's tool, same shape). The
 * plan is shown to the user as a `todo_list` item — started by the turn's first update, updated by
 * later ones, completed when the turn ends — and the model gets a one-line acknowledgement.
 */
import { z } from 'zod';
import type { ThreadItemOf } from '../protocol/events.js';
import { functionSpec, parseJsonArguments } from './spec.js';
import type { ToolHandler } from './types.js';

const PlanArgs = z
  .object({
    explanation: z.string().optional(),
    plan: z
      .array(
        z
          .object({
            step: z.string(),
            status: z
              .enum(['pending', 'in_progress', 'completed'])
              .describe('One of: pending, in_progress, completed'),
          })
          .strict(),
      )
      .describe('The list of steps'),
  })
  .strict();
type PlanArgs = z.infer<typeof PlanArgs>;

const DESCRIPTION = `Updates the task plan.
Provide an optional explanation and a list of plan items, each with a step and status.
At most one step can be in_progress at a time.
`;

/** The plan item of the current turn (one per thread, so the tool keeps no module state). */
export class PlanTracker {
  private current: { turnId: string; itemId: string } | undefined;

  /** The item id for `turnId`, and whether this is the turn's first update. */
  itemFor(turnId: string, newItemId: () => string): { itemId: string; first: boolean } {
    if (this.current?.turnId === turnId) return { itemId: this.current.itemId, first: false };
    this.current = { turnId, itemId: newItemId() };
    return { itemId: this.current.itemId, first: true };
  }
}

export function createPlanTool(tracker: PlanTracker): ToolHandler<PlanArgs> {
  return {
    name: 'update_plan',
    spec: functionSpec('update_plan', DESCRIPTION, PlanArgs),
    parallel: true,
    parse: (raw) => {
      const parsed = parseJsonArguments('update_plan', raw, PlanArgs);
      if (!parsed.ok) return parsed;
      const active = parsed.args.plan.filter((item) => item.status === 'in_progress').length;
      if (active > 1) {
        return {
          ok: false,
          error: `Invalid arguments for update_plan: at most one step can be in_progress, found ${active}.`,
        };
      }
      return parsed;
    },
    run: async (args, ctx) => {
      if (ctx.collaborationMode === 'plan')
        return {
          output:
            'update_plan is a progress checklist for doing the work and is not used in Plan mode: end with your <proposed_plan> instead.',
          success: false,
        };
      const { itemId, first } = tracker.itemFor(ctx.turnId, () => ctx.items.newItemId());
      const item: ThreadItemOf<'todo_list'> = {
        id: itemId,
        type: 'todo_list',
        items: args.plan.map((entry) => ({
          text: entry.step,
          completed: entry.status === 'completed',
          status: entry.status,
        })),
        ...(args.explanation?.trim() ? { explanation: args.explanation } : {}),
      };
      if (first) ctx.items.started(item);
      else ctx.items.updated(item);
      return { output: 'Plan updated', success: true };
    },
  };
}
