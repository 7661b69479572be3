/**
 * The errors Spool expects by name. A `catch` handles the ones it names (a file that is not there,
 * a process already gone, text that is not JSON) and rethrows anything else; it never swallows an
 * error it did not expect (test/architecture/catch-blocks.test.ts checks that every catch looks).
 */

/** The `code` of a Node system error (`ENOENT`, `ESRCH`, …), or undefined for other errors. */
function errnoCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : undefined;
}

/** A path that is not there: nothing by that name, or a file where a directory was expected. */
export const ABSENT = ['ENOENT', 'ENOTDIR'] as const;

/** A path that cannot be read as asked: absent, not permitted, a directory, a link loop, too long. */
export const UNREADABLE = [...ABSENT, 'EACCES', 'EPERM', 'EISDIR', 'ELOOP', 'ENAMETOOLONG'] as const;

/** A process (or process group) that is already gone, or is not ours to signal. */
export const GONE = ['ESRCH', 'EPERM'] as const;

/** Whether `err` is a system error with one of `codes`. */
function isErrno(err: unknown, codes: readonly string[]): boolean {
  const code = errnoCode(err);
  return code !== undefined && codes.includes(code);
}

/** Rethrows `err` unless it is a system error with one of `codes` (then the caller handles it). */
export function expectErrno(err: unknown, codes: readonly string[]): void {
  if (!isErrno(err, codes)) throw err;
}

/** Rethrows `err` unless it is what `JSON.parse` throws for text that is not JSON. */
export function expectSyntaxError(err: unknown): void {
  if (!(err instanceof SyntaxError)) throw err;
}

/** Rethrows `err` unless it is a `TypeError` (what `new URL` and a fatal `TextDecoder` throw). */
export function expectTypeError(err: unknown): void {
  if (!(err instanceof TypeError)) throw err;
}

/** The message of any thrown value, for reporting it. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Rethrows `err` unless it is a system error (one with an errno `code`): for probes of the OS where
 * any refusal means "not here" (a file, a directory, a cgroup), while a bug still surfaces.
 */
export function expectSystemError(err: unknown): void {
  if (errnoCode(err) === undefined) throw err;
}

/** For a promise's `.catch`: `value` when it failed with a system error; anything else is rethrown. */
export function onSystemError<T>(value: T): (err: unknown) => T {
  return (err) => {
    expectSystemError(err);
    return value;
  };
}
