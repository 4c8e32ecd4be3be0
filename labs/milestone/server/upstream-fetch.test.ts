/** The server's upstream fetch keeps fetch's contract where the SDKs rely on it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProviderServer, type ProviderServer } from '../../../fixtures/sim/index.ts';
import { rejection } from '../../../modules/shared/suite.ts';
import { upstreamFetch } from './upstream-fetch.ts';

let server: http.Server;
let base = '';
const upstream = upstreamFetch();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers['x-api-key'] ?? null }));
      } else if (req.url === '/gzip') {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        res.end(zlib.gzipSync('squeezed'));
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (req.url === '/slow-headers') {
        setTimeout(() => res.writeHead(200).end('late'), 5_000).unref();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.destroy(), 20);
      } else if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n'); // ...and then nothing more until the client gives up
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('upstreamFetch', () => {
  it('sends method, headers and body, and returns status, headers, url and body', async () => {
    const res = await upstream(`${base}/echo`, { method: 'POST', headers: new Headers({ 'x-api-key': 'k1' }), body: 'hello' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.url).toBe(`${base}/echo`);
    expect(await res.json()).toEqual({ method: 'POST', body: 'hello', auth: 'k1' });
  });

  it('takes a plain header object and a Uint8Array body', async () => {
    const res = await upstream(new URL(`${base}/echo`), { method: 'PUT', headers: { 'x-api-key': 'k2' }, body: new TextEncoder().encode('bytes') });
    expect(await res.json()).toEqual({ method: 'PUT', body: 'bytes', auth: 'k2' });
  });

  it('decodes a gzip body', async () => {
    expect(await (await upstream(`${base}/gzip`)).text()).toBe('squeezed');
  });

  it('gives a null body for 204', async () => {
    const res = await upstream(`${base}/empty`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('rejects with the signal reason when aborted before the response, and at once when already aborted', async () => {
    const controller = new AbortController();
    const pending = upstream(`${base}/slow-headers`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await rejection(pending);
    expect((error as Error).name).toBe('AbortError');

    const reason = new Error('already gone');
    const done = AbortSignal.abort(reason);
    expect(await rejection(upstream(`${base}/echo`, { signal: done }))).toBe(reason);
  });

  it('errors the body when aborted after the response', async () => {
    const controller = new AbortController();
    const res = await upstream(`${base}/stream`, { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    controller.abort();
    const error = await rejection(reader.read());
    expect((error as Error).name).toBe('AbortError');
  });

  it('errors the body when the connection is cut before the body ends', async () => {
    const res = await upstream(`${base}/cut`);
    const error = await rejection(res.text());
    expect(error).toBeInstanceOf(Error);
  });

  it("rejects with TypeError('fetch failed') when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(upstream(`http://127.0.0.1:${port}/`));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
  });
});

describe('the SDKs over upstreamFetch', () => {
  let sim: ProviderServer;
  beforeAll(async () => {
    sim = await startProviderServer({ speed: 0, cassettes: false });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('streams a reply, and reports an HTTP error as the typed APIError with its status', async () => {
    const client = new Anthropic({ apiKey: 'sim', baseURL: sim.url, fetch: upstream, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'My name is Ada. Say hello.' }] });
    const text = await stream.finalText();
    expect(text.length).toBeGreaterThan(0);

    const failing = client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'hi [[fault:overloaded]]' }] });
    const error = await rejection(failing);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  });

  it('OpenAI: streams a chat completion with usage, and reports an HTTP error as the typed APIError with its status', async () => {
    const client = new OpenAI({ apiKey: 'sim', baseURL: `${sim.url}/v1`, fetch: upstream, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'My name is Ada. Say hello.' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const error = await rejection(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi [[fault:rate_limit]]' }] }));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
  });

  it('turns a user abort mid-stream into APIUserAbortError', async () => {
    const client = new Anthropic({ apiKey: 'sim', baseURL: sim.url, fetch: upstream, maxRetries: 0 });
    sim.sim.speed = 1;
    try {
      const controller = new AbortController();
      const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 400, messages: [{ role: 'user', content: 'Write a long essay about rivers.' }] }, { signal: controller.signal });
      stream.on('text', () => controller.abort());
      const error = await rejection(stream.finalMessage());
      expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    } finally {
      sim.sim.speed = 0;
    }
  });
});
