/**
 * Typed errors. Provided: not an exercise. Callers branch on the class (or on
 * `code`, which survives serialisation, e.g. into an HTTP error body).
 */

export type StoreErrorCode =
  | 'session_not_found'
  | 'session_exists'
  | 'invalid_message'
  | 'invalid_argument'
  | 'unavailable'
  | 'closed'
  | 'schema_too_new'
  | 'migration_failed';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The session does not exist (never created, deleted, or expired). */
export class SessionNotFoundError extends StoreError {
  override name = 'SessionNotFoundError';
  constructor(readonly sessionId: string) {
    super('session_not_found', `No session "${sessionId}" (never created, deleted, or expired).`);
  }
}

/** createSession was given an id that is already taken. */
export class SessionExistsError extends StoreError {
  override name = 'SessionExistsError';
  constructor(readonly sessionId: string) {
    super('session_exists', `Session "${sessionId}" already exists.`);
  }
}

/** A message (or a turn) was refused; nothing was written. */
export class InvalidMessageError extends StoreError {
  override name = 'InvalidMessageError';
  constructor(
    message: string,
    /** Which field was wrong, e.g. "messages[1].role". */
    readonly field: string,
  ) {
    super('invalid_message', message);
  }
}

/** An id or option was refused (bad session id, negative lastTurns, ...). */
export class InvalidArgumentError extends StoreError {
  override name = 'InvalidArgumentError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super('invalid_argument', message);
  }
}

/** The backend cannot be reached (Redis down, database locked too long). Retry later. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
  constructor(
    readonly backend: 'sqlite' | 'redis',
    message: string,
    options?: { cause?: unknown },
  ) {
    super('unavailable', message, options);
  }
}
