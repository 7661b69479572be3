/**
 * Scripts per conversation: one emulator plays several models at once (an agent and the guardian
 * that reviews its actions, say), each conversation answered from its own steps in order.
 *
 *   script: byConversation([
 *     { name: 'guardian', match: (r) => r.bodyText.includes('You review actions'), steps: [...] },
 *     { name: 'agent', match: () => true, steps: [...] },
 *   ])
 *
 * A request belongs to the first route that matches it; a route whose steps are used up answers
 * nothing (the emulator then fails the request and reports a problem, as for any exhausted script).
 * A step may also be a function of the request, for answers that depend on what was asked.
 */
import type { Step } from './script.js';
import type { RecordedRequest, ScriptFn } from './types.js';

export interface ConversationRoute {
  name: string;
  match: (request: RecordedRequest) => boolean;
  steps: Array<Step | ((request: RecordedRequest) => Step)>;
}

export interface ConversationScript extends ScriptFn {
  /** The requests each route answered (or failed to), in order. */
  requestsOf(name: string): RecordedRequest[];
  /** Steps a route has not used yet. */
  remaining(name: string): number;
}

export function byConversation(routes: ConversationRoute[]): ConversationScript {
  const used = new Map<string, number>();
  const seen = new Map<string, RecordedRequest[]>();
  const answer = (request: RecordedRequest): Step | undefined => {
    const route = routes.find((r) => r.match(request));
    if (!route) return undefined;
    seen.set(route.name, [...(seen.get(route.name) ?? []), request]);
    const index = used.get(route.name) ?? 0;
    const step = route.steps[index];
    if (step === undefined) return undefined;
    used.set(route.name, index + 1);
    return typeof step === 'function' ? step(request) : step;
  };
  return Object.assign(answer, {
    requestsOf: (name: string) => seen.get(name) ?? [],
    remaining: (name: string) => {
      const route = routes.find((r) => r.name === name);
      return route ? route.steps.length - (used.get(name) ?? 0) : 0;
    },
  });
}
