/** Errors of the session store, each with a message a person can act on. */

/** The session log could not be written or read (disk full, permissions, …). */
export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
  constructor(
    message: string,
    /** The system error code (ENOSPC, EACCES, EFBIG, …), when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** No session matches the given id or prefix, or the prefix matches several. */
export class SessionNotFoundError extends Error {
  override readonly name = 'SessionNotFoundError';
}

/** A fork point that is not a turn of the session. */
export class TurnOutOfRangeError extends Error {
  override readonly name = 'TurnOutOfRangeError';
}

/** Another live process holds the session. */
export class SessionLockedError extends Error {
  override readonly name = 'SessionLockedError';
}

/** A rollout file that cannot be read as a session (not a rollout, newer format, corrupt line). */
export class RolloutFormatError extends Error {
  override readonly name = 'RolloutFormatError';
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function storeError(what: string, err: unknown): SessionStoreError {
  const reason = err instanceof Error ? err.message : String(err);
  return new SessionStoreError(`${what}: ${reason}`, errorCode(err));
}
