/**
 * Exercise "validate-input": refuse bad input before anything is written.
 *
 * Every store calls these first, so a refused write leaves no trace, and every
 * backend refuses the same things with the same typed errors. The milestone
 * server can call them too, before it spends tokens on a message it could not
 * store.
 *
 * Run its tests: LAB_TARGET=exercises npx vitest run modules/persistence -t validate-input
 */
import { todo } from '../../shared/not-implemented.ts';
import type { PreparedWrite, ValidMessage } from '../given/types.ts';
// You will want these:
//   import { InvalidArgumentError, InvalidMessageError } from '../given/errors.ts';
//   import { CLIENT_ID_PATTERN, DEFAULT_LIST_LIMIT, MAX_CONTENT_BYTES, MAX_LIST_LIMIT,
//     MAX_MESSAGES_PER_TURN, MAX_SYSTEM_PROMPT_BYTES, ROLES, SESSION_ID_PATTERN, STATUSES } from '../given/types.ts';

/**
 * A session id (SESSION_ID_PATTERN), or InvalidArgumentError(message, field).
 * The id ends up in file rows, Redis keys and URLs: be strict.
 */
export function validateSessionId(id: unknown, field = 'sessionId'): string {
  todo('validate-input');
}

/** A system prompt: '' when undefined or null; a string of at most MAX_SYSTEM_PROMPT_BYTES; else InvalidArgumentError. */
export function validateSystemPrompt(prompt: unknown): string {
  todo('validate-input');
}

/** A client id: null when undefined or null; a string matching CLIENT_ID_PATTERN; else InvalidMessageError. */
export function validateClientId(clientId: unknown, field = 'clientId'): string | null {
  todo('validate-input');
}

/**
 * One message, checked and with its defaults filled in (tokens null, usage
 * null, status 'complete', clientId null), unknown fields dropped. Otherwise
 * InvalidMessageError with `field` naming what is wrong, e.g. "message.role":
 * - role: one of ROLES;
 * - content: a string, not blank, at most MAX_CONTENT_BYTES bytes of UTF-8
 *   (Buffer.byteLength: characters are not bytes);
 * - tokens: null/undefined or a non-negative integer;
 * - usage: null/undefined or { input, output } non-negative integers, on assistant messages only;
 * - status: undefined or one of STATUSES;
 * - clientId: see validateClientId.
 */
export function validateNewMessage(msg: unknown, field = 'message'): ValidMessage {
  todo('validate-input');
}

/**
 * A whole write (saveTurn or appendMessage): 1 to MAX_MESSAGES_PER_TURN
 * messages, each valid (fields named "messages[i].role", ...), and its
 * idempotency key: turnClientId if given, else the first message's clientId,
 * else null. The first message carries the key as its clientId unless it has
 * its own.
 */
export function prepareWrite(messages: unknown, turnClientId?: unknown): PreparedWrite {
  todo('validate-input');
}

/** lastTurns: undefined (everything) or a non-negative integer, else InvalidArgumentError. */
export function validateLastTurns(lastTurns: unknown): number | undefined {
  todo('validate-input');
}

/** listSessions' limit: DEFAULT_LIST_LIMIT when absent, else an integer 1..MAX_LIST_LIMIT, else InvalidArgumentError. */
export function validateListLimit(limit: unknown): number {
  todo('validate-input');
}
