import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildMessage, ParentMessage } from './server-child.ts';
import type { StreamSpec } from './stream-client.ts';

/** The milestone server in a child process of its own, and the requests the server benches send. */

export const PROMPT = 'Explain server-sent events in detail';
/** Short replies: what is measured is the first token, and 16 tokens keep every stream open well past it. */
export const MAX_TOKENS = 16;

/** VmRSS of a process, in bytes, from /proc/<pid>/status. */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(line.replace(/\D+/g, '')) * 1024;
}

/** Extra Node flags for the server's process, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it under load. */
const nodeArgs = (): string[] => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

export class ServerChild {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(config: Record<string, unknown>): Promise<ServerChild> {
    const child = fork(path.join(import.meta.dirname, 'server-child.ts'), [], {
      // tsx by absolute URL, so the child starts from any working directory.
      execArgv: ['--expose-gc', ...nodeArgs(), '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
      env: { ...process.env, BENCH_SERVER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve(m.url) : reject(new Error(m.type === 'failed' ? m.message : 'unexpected message'))));
      child.once('exit', (code) => reject(new Error(`the server child exited (${code}) before it was ready`)));
    });
    return new ServerChild(child, url);
  }

  /** Full GC in the child, then its RSS and heap. */
  async memory(): Promise<{ rss: number; heap: number }> {
    const reply = new Promise<NodeJS.MemoryUsage>((resolve) => {
      const on = (m: ChildMessage) => {
        if (m.type !== 'memory') return;
        this.child.off('message', on);
        resolve(m.memory);
      };
      this.child.on('message', on);
    });
    this.child.send({ type: 'gc' } satisfies ParentMessage);
    const usage = await reply;
    return { rss: rssOf(this.child.pid ?? 0), heap: usage.heapUsed + usage.external };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The bare pass-through proxy (proxy-child.ts) in its own process: the floor for a second hop. */
export async function startProxyChild(target: string): Promise<{ url: string; close: () => void }> {
  const child = fork(path.join(import.meta.dirname, 'proxy-child.ts'), [], {
    execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
    env: { ...process.env, PROXY_TARGET: target },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type: string; url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the proxy child exited (${code}) before it was ready`)));
  });
  return { url, close: () => child.kill() };
}

/** The simulator over HTTP in this process, and the request specs for both paths. */
export function specs(simUrl: string, serverUrl: string) {
  return {
    direct: (): StreamSpec => ({
      url: `${simUrl}/v1/messages`,
      body: { model: 'claude-sonnet-4-6', max_tokens: MAX_TOKENS, stream: true, messages: [{ role: 'user', content: PROMPT }] },
      headers: { 'anthropic-version': '2023-06-01', 'x-api-key': 'sim' },
      firstText: '"text_delta"',
      completed: 'message_stop',
      errorEvent: 'event: error',
    }),
    through: (session: string): StreamSpec => ({
      url: `${serverUrl}/chat/stream/${session}`,
      body: { message: PROMPT },
      firstText: 'data: {"text"',
      completed: '"done":true',
      errorEvent: 'data: {"error"',
    }),
  };
}

export const serverConfig = (simUrl: string, dataDir: string) => ({ port: 0, simUrl, simWire: 'anthropic', dataDir, store: 'sqlite', maxTokens: MAX_TOKENS });
