/**
 * Exercise "validate-input": refuse bad input before anything is written.
 *
 * Every store calls these first, so a refused write leaves no trace, and every
 * backend refuses the same things with the same typed errors. The milestone
 * server can call them too, before it spends tokens on a message it could not
 * store.
 */
import { InvalidArgumentError, InvalidMessageError } from '../given/errors.ts';
import {
  CLIENT_ID_PATTERN,
  DEFAULT_LIST_LIMIT,
  MAX_CONTENT_BYTES,
  MAX_LIST_LIMIT,
  MAX_MESSAGES_PER_TURN,
  MAX_SYSTEM_PROMPT_BYTES,
  ROLES,
  SESSION_ID_PATTERN,
  STATUSES,
  type MessageStatus,
  type PreparedWrite,
  type Role,
  type Usage,
  type ValidMessage,
} from '../given/types.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A session id, or InvalidArgumentError. */
export function validateSessionId(id: unknown, field = 'sessionId'): string {
  if (typeof id !== 'string' || !SESSION_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError(
      `${field} must be 1-128 letters, digits, "-" or "_" (got ${JSON.stringify(id)?.slice(0, 60) ?? String(id)}).`,
      field,
    );
  }
  return id;
}

/** A system prompt ('' when absent), or InvalidArgumentError. */
export function validateSystemPrompt(prompt: unknown): string {
  if (prompt === undefined || prompt === null) return '';
  if (typeof prompt !== 'string') throw new InvalidArgumentError('systemPrompt must be a string.', 'systemPrompt');
  const bytes = Buffer.byteLength(prompt, 'utf8');
  if (bytes > MAX_SYSTEM_PROMPT_BYTES) {
    throw new InvalidArgumentError(`systemPrompt is ${bytes} bytes; the limit is ${MAX_SYSTEM_PROMPT_BYTES}.`, 'systemPrompt');
  }
  return prompt;
}

/** A client id (null when absent), or InvalidMessageError. */
export function validateClientId(clientId: unknown, field = 'clientId'): string | null {
  if (clientId === undefined || clientId === null) return null;
  if (typeof clientId !== 'string' || !CLIENT_ID_PATTERN.test(clientId)) {
    throw new InvalidMessageError(`${field} must be 1-200 printable ASCII characters without spaces.`, field);
  }
  return clientId;
}

/** One message, checked and with its defaults filled in, or InvalidMessageError. */
export function validateNewMessage(msg: unknown, field = 'message'): ValidMessage {
  if (!isRecord(msg)) throw new InvalidMessageError(`${field} must be an object.`, field);

  const role = msg.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new InvalidMessageError(`${field}.role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)}).`, `${field}.role`);
  }

  const content = msg.content;
  if (typeof content !== 'string') throw new InvalidMessageError(`${field}.content must be a string.`, `${field}.content`);
  if (content.trim() === '') throw new InvalidMessageError(`${field}.content is empty.`, `${field}.content`);
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_CONTENT_BYTES) {
    throw new InvalidMessageError(`${field}.content is ${bytes} bytes; the limit is ${MAX_CONTENT_BYTES} (256 KiB).`, `${field}.content`);
  }

  const tokens = msg.tokens ?? null;
  if (tokens !== null && !isCount(tokens)) {
    throw new InvalidMessageError(`${field}.tokens must be a non-negative integer or null.`, `${field}.tokens`);
  }

  let usage: Usage | null = null;
  if (msg.usage !== undefined && msg.usage !== null) {
    const u = msg.usage;
    if (!isRecord(u) || !isCount(u.input) || !isCount(u.output)) {
      throw new InvalidMessageError(`${field}.usage must be { input, output } with non-negative integers.`, `${field}.usage`);
    }
    if (role !== 'assistant') {
      throw new InvalidMessageError(`${field}.usage belongs on assistant messages only.`, `${field}.usage`);
    }
    usage = { input: u.input, output: u.output };
  }

  const status = msg.status ?? 'complete';
  if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) {
    throw new InvalidMessageError(`${field}.status must be one of ${STATUSES.join(', ')}.`, `${field}.status`);
  }

  return {
    role: role as Role,
    content,
    tokens,
    usage,
    status: status as MessageStatus,
    clientId: validateClientId(msg.clientId, `${field}.clientId`),
  };
}

/**
 * A whole write (saveTurn or appendMessage): 1..MAX_MESSAGES_PER_TURN valid
 * messages and its idempotency key, which is the turn's clientId, else the
 * first message's. The first message carries the key as its clientId.
 */
export function prepareWrite(messages: unknown, turnClientId?: unknown): PreparedWrite {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidMessageError('A turn needs at least one message.', 'messages');
  }
  if (messages.length > MAX_MESSAGES_PER_TURN) {
    throw new InvalidMessageError(`A turn holds at most ${MAX_MESSAGES_PER_TURN} messages (got ${messages.length}).`, 'messages');
  }
  const valid = messages.map((m, i) => validateNewMessage(m, `messages[${i}]`));
  const key = validateClientId(turnClientId, 'clientId') ?? valid[0].clientId;
  if (key !== null && valid[0].clientId === null) valid[0] = { ...valid[0], clientId: key };
  return { key, messages: valid };
}

/** lastTurns: undefined (everything) or a non-negative integer, or InvalidArgumentError. */
export function validateLastTurns(lastTurns: unknown): number | undefined {
  if (lastTurns === undefined || lastTurns === null) return undefined;
  if (!isCount(lastTurns)) throw new InvalidArgumentError('lastTurns must be a non-negative integer.', 'lastTurns');
  return lastTurns;
}

/** listSessions' limit: default DEFAULT_LIST_LIMIT, 1..MAX_LIST_LIMIT, or InvalidArgumentError. */
export function validateListLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return DEFAULT_LIST_LIMIT;
  if (!isCount(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}.`, 'limit');
  }
  return limit;
}
