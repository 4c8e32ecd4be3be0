/** The streaming module's public interface: the same exports as reference/index.ts. The suite imports from here when LAB_TARGET=exercises. */
export type { Usage, FinalReply, ReplyStream, StreamOptions, TextEvent, DoneEvent, ErrorEvent, ChatErrorKind, ChatEvent, ChatRequestBody } from '../given/types.ts';
export { StreamEventError, ToolInputError, ChatHttpError, BadChatRequestError, NoTextStreamedError } from '../given/errors.ts';
export { SseDecoder, decodeSse, type SseEvent } from './sse-decode.ts';
export { streamAnthropic, anthropicFinalReply, type AnthropicReplyStream } from './stream-text-anthropic.ts';
export { streamOpenAI, openaiFinalReply, type OpenAIReplyStream } from './stream-text-openai.ts';
export { summariseEvents, type AnthropicWireEvent, type BlockSummary, type EventSummary } from './stream-events.ts';
export { collectAnthropicToolCalls, collectOpenAIToolCalls, parseToolInput, type ToolCall } from './stream-tool-calls.ts';
export { SSE_HEADERS, encodeSse, sseResponse, chatEvents, type EncodeOptions, type SseResponseOptions } from './sse-endpoint.ts';
export { classifyStreamError, safeChatEvents, type SafeOptions } from './error-safe-stream.ts';
export { chatStreamHandler, parseChatRequest, type OpenReply } from './handler.ts';
export { readChatStream, streamChat, type ChatStreamHandlers, type ChatStreamResult, type ChatFetchOptions } from './browser-consumer.ts';
export { streamChatEvents } from './node-consumer.ts';
export { measureTtft, measureNonStreaming, type TtftSample, type MeasureOptions } from './measure-ttft.ts';
