/**
 * Glue between the modules' vocabularies: the store's messages (seq, status,
 * token count, usage), the state module's turns (role, content, timestamp,
 * usage) and the context module's counted messages; and the API's JSON.
 */
import { withTokenCount, type ContextMessage, type Encoding } from '../../../modules/context/reference/index.ts';
import type { SessionInfo, StoredMessage } from '../../../modules/persistence/reference/index.ts';
import type { TurnInput } from '../../../modules/state/reference/index.ts';

/** A message's token count by the context module's formula: computed once, when it is written. */
export function tokensOf(role: 'user' | 'assistant', content: string, encoding: Encoding): number {
  return withTokenCount({ role, content }, { encoding }).tokens;
}

/** The stored history as the ConversationManager takes it back (fromHistory). */
export function toTurnInputs(messages: readonly StoredMessage[]): TurnInput[] {
  return messages.map((m) => ({
    role: m.role,
    content: m.content,
    timestamp: m.createdAt,
    ...(m.usage ? { usage: { inputTokens: m.usage.input, outputTokens: m.usage.output } } : {}),
  }));
}

/** The stored history as counted messages (tokensOf: a row's stored count, or one counted now if it has none). */
export function toContextMessages(messages: readonly StoredMessage[], tokensOf: (m: StoredMessage) => number): ContextMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content, tokens: tokensOf(m) }));
}

export interface MessageJson {
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  created_at: string;
  /** 'interrupted': the reply was cut short (stop, or a disconnect under --on-disconnect abort) and is kept as far as it got. */
  status: 'complete' | 'interrupted';
  tokens: number | null;
  usage: { input: number; output: number } | null;
}

export function messageJson(m: StoredMessage): MessageJson {
  return { seq: m.seq, role: m.role, content: m.content, created_at: m.createdAt, status: m.status, tokens: m.tokens, usage: m.usage };
}

export interface HistoryJson {
  session_id: string;
  system_prompt: string;
  created_at: string;
  messages: MessageJson[];
}

export function historyJson(info: SessionInfo, messages: readonly StoredMessage[]): HistoryJson {
  return { session_id: info.id, system_prompt: info.systemPrompt, created_at: info.createdAt, messages: messages.map(messageJson) };
}
