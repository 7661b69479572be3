/**
 * The events of one turn, with what the turn adds to them: a plan (todo list) item stays open while
 * the turn runs and is completed when the turn ends; in plan mode, the plan an answer ends with is
 * also shown as a plan item, right after the answer.
 */

import { extractProposedPlan } from '../context/proposed-plan.js';
import type { SpoolEvent, ThreadItem } from '../protocol/events.js';

interface TurnEventsOptions {
  turnId: string;
  planMode: boolean;
  emit(event: SpoolEvent): void;
  newItemId(): string;
}

export function turnEvents(options: TurnEventsOptions): {
  emit(event: SpoolEvent): void;
  /** Remembers an open plan item, to complete it when the turn ends. */
  trackPlan(item: ThreadItem): void;
} {
  const { turnId } = options;
  const openPlans = new Map<string, ThreadItem>();
  return {
    emit(event) {
      if (
        event.type === 'turn.completed' ||
        event.type === 'turn.failed' ||
        event.type === 'turn.interrupted'
      ) {
        for (const item of openPlans.values())
          options.emit({ type: 'item.completed', turn_id: turnId, item });
        openPlans.clear();
      }
      options.emit(event);
      const plan =
        options.planMode && event.type === 'item.completed' && event.item.type === 'agent_message'
          ? extractProposedPlan(event.item.text)
          : undefined;
      if (plan !== undefined) {
        const item: ThreadItem = { id: options.newItemId(), type: 'plan', text: plan };
        options.emit({ type: 'item.started', turn_id: turnId, item });
        options.emit({ type: 'item.completed', turn_id: turnId, item });
      }
    },
    trackPlan(item) {
      if (item.type === 'todo_list') openPlans.set(item.id, item);
    },
  };
}
