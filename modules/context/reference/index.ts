/**
 * The context module: count tokens, check a request fits, and keep a long
 * conversation inside the window with a sliding window or a summary.
 */
export {
  type Encoding,
  type TokenizerStats,
  encodings,
  CountingEncoder,
  encoderFor,
  encodingForModel,
  countTokens,
  tokenizerStats,
  resetTokenizerStats,
} from './tokens.ts';
export {
  type TextBlock,
  type ToolUseBlock,
  type ToolResultBlock,
  type ContentBlock,
  type ToolCall,
  type Role,
  type ContextMessage,
  type CountableMessage,
  type UnstampedMessage,
  type CountOptions,
  type MessageOverhead,
  REPLY_PRIMING_TOKENS,
  overheadFor,
  messageTextPieces,
  countMessageTokens,
  withTokenCount,
  countSystemTokens,
} from './messages.ts';
export { ContextOverflowError } from '../given/errors.ts';
export { type WillFitOptions, willFit } from './fit.ts';
export { type CountTokensExactOptions, toAnthropicMessages, countTokensExact } from './exact.ts';
export { type Turn, isTurnStart, splitTurns } from './turns.ts';
export { type WindowOptions, type WindowResult, slidingWindow } from './window.ts';
export {
  type Summariser,
  type StoredSummary,
  type SummariseOptions,
  type SummariseResult,
  SUMMARY_PREFIX,
  SUMMARY_ACK,
  summaryMessages,
  summariseOldTurns,
} from './summarise.ts';
export {
  type ModelSummariserOptions,
  type OpenAISummariserOptions,
  renderTranscript,
  summaryPrompt,
  modelSummariser,
  openAISummariser,
} from './summariser.ts';
