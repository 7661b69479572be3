/** A tiny synchronous publish/subscribe for one thread's events. */
import type { SpoolEvent } from '../protocol/events.js';

type EventListener = (event: SpoolEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: SpoolEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // A broken front end must not break the loop; say so once per failure.
        process.emitWarning(`spool event listener failed: ${(err as Error).message}`);
      }
    }
  }
}
