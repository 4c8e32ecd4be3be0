import type { ModuleMeta } from '../shared/meta.ts';

/**
 * The streaming module, declared once: the workbench, the grader and the
 * README table read these entries. `lesson` is a heading of README.md; the
 * describe blocks of streaming.test.ts are named by `id`.
 */
export const streaming: ModuleMeta = {
  name: 'streaming',
  title: 'Streaming: Server-Sent Events from the provider to the browser',
  exercises: [
    {
      id: 'sse-decode',
      title: 'Decode Server-Sent Events from reads split anywhere',
      file: 'exercises/sse-decode.ts',
      lesson: 'Decoding SSE yourself',
      hints: [
        'Work line by line, not read by read. Keep the text that has no line ending yet in a field and prepend it to the next read. Decode bytes with one TextDecoder and decode(chunk, { stream: true }) so a character split between reads comes out whole.',
        'A line ends at \\n, \\r\\n or a lone \\r. If a read ends with \\r, do not decide yet: the \\n may be the first byte of the next read (keep the \\r pending). An empty line dispatches the event if it has data lines; a line starting with ":" is a comment; otherwise split at the first ":" and drop one leading space from the value. flush() must decode what is left, treat the pending text as a last line, then dispatch.',
        'Fields: data -> push the value on a list (join with "\\n" on dispatch); event -> the type (default "message", reset after each dispatch); id -> remembered for this and later events (skip values containing "\\0"); retry -> a number if all digits, reported on this event only. decodeSse: for a ReadableStream use getReader() in a loop and `yield* decoder.push(value)`; in a finally block call reader.cancel() if the loop did not reach done, then releaseLock(); for an async iterable, `for await` over it. End with `yield* decoder.flush()`.',
      ],
      checklist: ['sse-endpoint'],
    },
    {
      id: 'stream-text-anthropic',
      title: 'Stream text with the Anthropic SDK and keep the final message',
      file: 'exercises/stream-text-anthropic.ts',
      lesson: 'Streaming text with the Anthropic SDK',
      hints: [
        'client.messages.stream(params, { signal: options.signal }) starts the request at once. Return an object with an async generator method [Symbol.asyncIterator], finalMessage() and final().',
        'The MessageStream reads the response whether or not you iterate, and its iterator only queues events from the moment it is created. So call stream[Symbol.asyncIterator]() and stream.finalMessage() immediately, before returning; give the final promise a .catch(() => {}) so a failure nobody awaits is not an unhandled rejection (it still rejects for whoever awaits it).',
        'In the generator: `for await (const event of { [Symbol.asyncIterator]: () => events })` and yield event.delta.text when event.type === "content_block_delta" && event.delta.type === "text_delta". Looping with for-await means a consumer that breaks early calls the iterator\'s return(), which aborts the request. After the loop, `await finalMessage` so a stream that failed while nobody was reading still throws. final() is `anthropicFinalReply(await finalMessage)`.',
      ],
      checklist: ['stream-both-sdks', 'final-message'],
    },
    {
      id: 'stream-text-openai',
      title: 'Stream text with the OpenAI SDK, usage included',
      file: 'exercises/stream-text-openai.ts',
      lesson: 'Streaming text with the OpenAI SDK',
      hints: [
        'Same shape as the Anthropic exercise, with client.chat.completions.stream(...) and finalChatCompletion().',
        'Usage is only streamed when asked for: pass { ...params, stream_options: { ...params.stream_options, include_usage: true } }. It arrives in a last chunk with `choices: []`, so read chunk.choices[0]?.delta?.content with optional chaining, and skip empty strings (the first chunk only carries the role).',
        'Create the iterator and the finalChatCompletion() promise (with a no-op .catch) before returning; in the generator loop over the iterator, yield non-empty content, then `await` the final promise. final() is openaiFinalReply(await finalCompletion).',
      ],
      checklist: ['stream-both-sdks', 'final-message'],
    },
    {
      id: 'stream-events',
      title: 'Name every Anthropic stream event and what it carries',
      file: 'exercises/stream-events.ts',
      lesson: 'The events, one by one',
      hints: [
        'One for-await loop and a switch on event.type. Record the type in `order` and `counts` for every event, including ping.',
        'message_start: message.id, message.model, message.usage.input_tokens (and output_tokens). content_block_start: a new block with content_block.type (plus id and name for tool_use, and json: ""). content_block_delta: find the block by index; text_delta adds to its text and to the summary text, input_json_delta adds to its json. content_block_stop: stopped = true.',
        'message_delta: stop_reason from event.delta, and usage.output = event.usage.output_tokens (a running total: assign, do not add); keep the input count unless the delta restates it (event.usage.input_tokens ?? the old value). message_stop: complete = true. error: throw new StreamEventError(event.error.type, event.error.message).',
      ],
      checklist: ['sse-event-types'],
    },
    {
      id: 'stream-tool-calls',
      title: 'Accumulate streamed tool input and parse it at block stop',
      file: 'exercises/stream-tool-calls.ts',
      lesson: 'Tool calls arrive in pieces too',
      hints: [
        'A fragment like {"ci is not JSON. Concatenate the fragments per tool and parse once the tool is complete: at content_block_stop (Anthropic) or at the end of the stream (OpenAI).',
        'Anthropic: a Map from block index to { id, name, json } filled at content_block_start when content_block.type === "tool_use"; input_json_delta appends partial_json; content_block_stop parses and pushes. OpenAI: a Map from tool_calls[i].index; the first fragment has id and function.name, every fragment may add function.arguments; skip chunks whose choices array is empty.',
        'parseToolInput: "" (or only whitespace) -> {}; otherwise JSON.parse in a try/catch that throws new ToolInputError(toolName, json, { cause }); a parsed value that is not a plain object (null, an array, a number) is a ToolInputError too. Send text deltas (text_delta / delta.content) to onText as they come.',
      ],
      checklist: ['sse-event-types', 'final-message'],
    },
    {
      id: 'sse-endpoint',
      title: 'Serve SSE from a web-standard endpoint',
      file: 'exercises/sse-endpoint.ts',
      lesson: 'Serving SSE from your own endpoint',
      hints: [
        'An event is `data: <json>\\n` plus an empty line. SSE_HEADERS: Content-Type text/event-stream (with ; charset=utf-8), Cache-Control no-cache, X-Accel-Buffering no. chatEvents is three lines: yield { text } per delta, then yield { done: true, usage } from await reply.final().',
        'sseResponse: take an iterator from the iterable and build new ReadableStream({ pull, cancel }). In pull, await iterator.next() and either controller.close() or controller.enqueue(new TextEncoder().encode(encodeSse(value))): one event per pull, so each goes out as soon as it exists.',
        'cancel(reason) runs when the client disconnects: set a flag so a pull still in flight does not enqueue or error, call options.onCancel?.(reason), then call iterator.return?.() without awaiting it (a generator busy in next() only returns after that settles) and swallow its rejection. Wrap pull in try/catch and controller.error(e) unless cancelled. Return new Response(body, { status, headers }) with the SSE headers set over any extra ones.',
      ],
      checklist: ['sse-endpoint', 'accel-buffering'],
    },
    {
      id: 'error-safe-stream',
      title: 'Turn failures into an error event, and always send done',
      file: 'exercises/error-safe-stream.ts',
      lesson: 'Errors after the 200',
      hints: [
        'The tests that go through the endpoint need your sseResponse from the previous exercise. Structure safeChatEvents like the course\'s generate_safe: try { stream text } catch { yield an error event } then, outside the try, yield the done event.',
        'classifyStreamError: check RateLimitError of both SDKs first (Anthropic.RateLimitError, OpenAI.RateLimitError), then APIError of both (api_error, with status only if typeof error.status === "number"), else unknown with error.message (or String(error) for a non-Error). For the message of an API error, look in error.error (the parsed body): Anthropic nests it as error.error.error.message, OpenAI as error.error.message.',
        'In safeChatEvents: `const stream = await reply` inside the try (so a failed open is caught), for-await its text, then `usage = (await stream.final()).usage`. In the catch, `if (options.signal?.aborted) return;` (the client is gone) before yielding the error. Finally `yield usage ? { done: true, usage } : { done: true }`. Do not yield inside a finally block: a generator closed by its consumer would be left suspended.',
      ],
      checklist: ['mid-stream-errors'],
    },
    {
      id: 'browser-consumer',
      title: 'Consume the stream like a browser: fetch, reader, TextDecoder',
      file: 'exercises/browser-consumer.ts',
      lesson: 'Reading the stream in a browser',
      hints: [
        'Check response.ok first (throw new ChatHttpError(status, await response.text())). Then response.body.getReader(), one TextDecoder, a string buffer, and a loop over reader.read().',
        'After each read: buffer += decoder.decode(value, { stream: true }); const lines = buffer.split("\\n"); buffer = lines.pop(); handle each line. When the read says done, add decoder.decode() and handle what is left in the buffer as a last line.',
        'For each line: drop a trailing "\\r"; skip it unless it starts with "data:"; JSON.parse the rest (after "data: " or "data:"). { text } -> append and onText; { error } -> result.error and onError; { done } -> result.done, usage, onDone, and stop reading: break out and await reader.cancel() so the connection is released.',
      ],
      checklist: ['sse-endpoint'],
    },
    {
      id: 'node-consumer',
      title: 'Consume the stream from Node as an async generator',
      file: 'exercises/node-consumer.ts',
      lesson: 'Reading the stream from Node',
      hints: [
        'POST with (options.fetch ?? fetch)(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal }). Throw ChatHttpError for a non-2xx answer.',
        'Your decodeSse already does the hard part: `for await (const event of decodeSse(response.body))` and yield JSON.parse(event.data).',
        'Return right after yielding the done event: leaving the for-await calls return() on decodeSse, whose finally cancels the body, which is how the server learns you hung up (and it also covers a server that keeps the connection open).',
      ],
      checklist: ['sse-endpoint'],
    },
    {
      id: 'measure-ttft',
      title: 'Measure time to first token and total time',
      file: 'exercises/measure-ttft.ts',
      lesson: 'Measuring time to first token',
      hints: [
        'Use the clock you are given: const now = options.now ?? (() => performance.now()). Read it once before calling start(), once at the first non-empty piece, once when the loop ends.',
        'Skip empty pieces entirely (they are not tokens the user sees). Count the non-empty ones in `chunks` and join them in `text`. If no first piece was seen, throw new NoTextStreamedError().',
        'measureNonStreaming: now() before, await call(), now() after; ttftMs and totalMs are both the difference, chunks is 1. An empty text is a NoTextStreamedError too.',
      ],
      checklist: ['why-streaming-feels-faster'],
    },
  ],
};
