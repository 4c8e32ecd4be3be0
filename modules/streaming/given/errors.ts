/**
 * Errors the streaming module throws on purpose. Each says what went wrong in
 * terms a learner can act on. (Scaffolding: the exercises use these as they are.)
 */

/** Anthropic sent `event: error` inside a 200 stream (e.g. overloaded_error at token 500). */
export class StreamEventError extends Error {
  override readonly name = 'StreamEventError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`The stream reported an error (${type}): ${message}`);
  }
}

/** A tool call's accumulated input was not a JSON object when its block stopped. */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
  constructor(
    readonly toolName: string,
    readonly rawInput: string,
    options?: { cause?: unknown },
  ) {
    super(`The input streamed for tool "${toolName}" is not a JSON object: ${JSON.stringify(rawInput.slice(0, 200))}`, options);
  }
}

/** Our chat endpoint answered with an HTTP error instead of an event stream (e.g. 400 for a bad body). */
export class ChatHttpError extends Error {
  override readonly name = 'ChatHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`The chat endpoint answered HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

/** The request body sent to the chat endpoint is unusable. */
export class BadChatRequestError extends Error {
  override readonly name = 'BadChatRequestError';
}

/** A measured stream ended without a single character of text, so it has no time to first token. */
export class NoTextStreamedError extends Error {
  override readonly name = 'NoTextStreamedError';
  constructor() {
    super('The stream ended without any text, so there is no first token to time. Measure a prompt that produces text.');
  }
}
