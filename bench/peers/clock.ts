/**
 * One clock for the bench: epoch milliseconds with sub-millisecond resolution, the clock the
 * emulator stamps requests with (`performance.timeOrigin + performance.now()`).
 *
 * Shell commands time themselves with bash's `$EPOCHREALTIME` (the wall clock, microseconds). The two
 * clocks drift apart slowly, so each session measures their offset afresh: it waits for the wall
 * clock's millisecond to turn and reads the monotonic clock at that instant.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** wall-clock ms − bench-clock ms, accurate to a few microseconds. */
export function wallClockOffset(): number {
  const start = Date.now();
  let wall = start;
  let mark = now();
  while (wall === start) {
    mark = now();
    wall = Date.now();
  }
  return wall - mark;
}
