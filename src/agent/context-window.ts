/**
 * What a thread knows of its model's context window: the configured size, until the server says
 * otherwise. A context-length refusal lowers it — to the size the refusal names when it names one,
 * else to just under the refused request (but not below the largest request the server accepted) —
 * and the lower window holds for the rest of the session. One per thread; no shared state.
 */

/**
 * How far under a refused request the window is taken to be when the refusal names no size: just
 * under at first, further with each refusal that follows (the estimate was too generous).
 */
const FIRST_MARGIN = 0.9;
const NEXT_MARGIN = 0.75;

export class ContextWindowKnowledge {
  /** The largest input the server accepted, in its own tokens: the window is at least this. */
  private largestAccepted = 0;
  private refusals = 0;
  /** The window learned from refusals, once one was. */
  learned: number | undefined;

  accepted(inputTokens: number): void {
    if (inputTokens > this.largestAccepted) this.largestAccepted = inputTokens;
  }

  /**
   * The server refused `refusedTokens` (estimated in its units) as too long; `named` is the window
   * its message gave, if any. Returns the lower window to use from now on, or undefined when the
   * refusal says nothing new about `current`.
   */
  refused(current: number, refusedTokens: number, named?: number): number | undefined {
    const margin = this.refusals++ === 0 ? FIRST_MARGIN : NEXT_MARGIN;
    let window = named ?? Math.floor(refusedTokens * margin);
    if (named === undefined && this.largestAccepted > window && this.largestAccepted < refusedTokens) {
      window = this.largestAccepted;
    }
    if (!(window > 0 && window < current)) return undefined;
    this.learned = window;
    return window;
  }
}
