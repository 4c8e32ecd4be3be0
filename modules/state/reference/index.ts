/**
 * The state module: conversation state for LLM chat apps.
 * The public interface every target (reference, exercises, a submission) offers.
 */
export type {
  Role,
  Usage,
  StopReason,
  Turn,
  TurnInput,
  ChatMessage,
  ChatRequest,
  ChatResult,
  CallOptions,
  ChatAdapter,
  ContextRequest,
  ContextView,
  ContextStrategy,
  CompletedTurn,
  ConversationOptions,
} from '../given/types.ts';
export { ConversationBusyError, InvalidHistoryError, ContextStrategyError } from '../given/errors.ts';
export { askStateless, askWithHistory, type AskOptions } from './messages-array.ts';
export { anthropicAdapter, openaiAdapter } from './adapters.ts';
export { ConversationManager } from './conversation-manager.ts';
export { buildSystemPrompt, DEFAULT_REMEMBER, CODING_ASSISTANT, type SystemPromptSpec, type AmbiguityPolicy } from './system-prompt.ts';
