/**
 * Runs an async step over many items with bounded concurrency (file-system work for patches that
 * touch many files), and waits for every started step to finish before returning, so a caller can
 * safely clean up after a failure.
 */

/** The default bound: enough to keep libuv's thread pool busy, few enough file descriptors. */
const FS_CONCURRENCY = 16;

/**
 * Calls `step` for each item, at most `limit` at a time. After the first failure no new step starts;
 * resolves once all started steps have settled, with the first error (or undefined).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  step: (item: T, index: number) => Promise<void>,
  limit = FS_CONCURRENCY,
): Promise<{ error: unknown } | undefined> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await step(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failure;
}
