/** The push SSE channel: events in order as SSE, cancel means the client left, nothing sent after either end. */
import { describe, expect, it } from 'vitest';
import { SseChannel } from './sse-channel.ts';

const readAll = async (body: ReadableStream<Uint8Array>) => new Response(body).text();

describe('SseChannel', () => {
  it('sends each event as one SSE data line of JSON, in order, then ends', async () => {
    let cancelled = 0;
    const channel = new SseChannel<{ n: number } | { done: true }>(() => cancelled++);
    channel.send({ n: 1 }); // before anyone reads: queued
    const reading = readAll(channel.body);
    channel.send({ n: 2 });
    channel.send({ done: true });
    channel.close();
    channel.send({ n: 3 }); // after close: dropped, not an error
    expect(await reading).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"done":true}\n\n');
    expect(channel.open).toBe(false);
    expect(cancelled).toBe(0);
  });

  it('a channel closed before its body was asked for still gives every event, then ends', async () => {
    const channel = new SseChannel<{ n: number }>(() => {});
    channel.send({ n: 1 });
    channel.send({ n: 2 });
    channel.close();
    channel.send({ n: 3 });
    expect(await readAll(channel.body)).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n');
    expect(channel.body).toBe(channel.body); // made once
  });

  it('a reader that cancels (the client left) calls onCancel once; later sends and close are ignored', async () => {
    let cancelled = 0;
    const channel = new SseChannel<{ n: number }>(() => cancelled++);
    const reader = channel.body.getReader();
    channel.send({ n: 1 });
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    await reader.cancel('gone');
    expect(cancelled).toBe(1);
    expect(channel.open).toBe(false);
    expect(() => {
      channel.send({ n: 2 });
      channel.close();
    }).not.toThrow();
    expect(cancelled).toBe(1);
  });
});
