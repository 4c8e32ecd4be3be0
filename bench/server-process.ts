import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildMessage, GcPauses, ParentMessage } from './child-protocol.ts';
import type { StreamSpec } from './stream-client.ts';
import { SERVER_NODE_FLAGS } from '../labs/milestone/server/config.ts';

/** The server bench's processes (the milestone server, the simulator, a bare proxy) and the requests it sends. */

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

/** A bench helper (server, simulator or proxy) in a process of its own, ready once it reports its URL. */
export class BenchChild {
  protected constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  protected static async fork(file: string, env: Record<string, string>, execArgv: string[] = []): Promise<{ child: ChildProcess; url: string }> {
    const child = fork(path.join(import.meta.dirname, file), [], {
      // tsx by absolute URL, so the child starts from any working directory.
      execArgv: [...execArgv, '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve(m.url) : reject(new Error(m.type === 'failed' ? m.message : 'unexpected message'))));
      child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    });
    return { child, url };
  }

  /** Its script's file name, for messages. */
  get name(): string {
    return path.basename(this.child.spawnargs.find((a) => a.endsWith('.ts')) ?? 'bench child');
  }

  /**
   * Send a message and wait for the child's reply of the given type. A child that exits first
   * rejects it (its own output, inherited, says why), rather than leaving the bench waiting forever.
   */
  protected ask<T extends ChildMessage['type']>(message: ParentMessage, reply: T): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const gone = (how: string) => new Error(`${this.name} ${how} while the bench waited for its ${reply} reply: see its output above`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) return reject(gone(`had exited (${this.child.signalCode ?? this.child.exitCode})`));
      const stop = () => {
        this.child.off('message', on);
        this.child.off('exit', exited);
      };
      const on = (m: ChildMessage) => {
        if (m.type !== reply) return;
        stop();
        resolve(m as Extract<ChildMessage, { type: T }>);
      };
      const exited = (code: number | null, signal: NodeJS.Signals | null) => {
        stop();
        reject(gone(`exited (${signal ?? code})`));
      };
      this.child.on('message', on);
      this.child.once('exit', exited);
      this.child.send(message);
    });
  }

  /** Its garbage-collection pauses since the last call (the first call starts the count). */
  async gcPauses(): Promise<GcPauses> {
    return (await this.ask({ type: 'pauses' }, 'pauses')).pauses;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'close' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The milestone server (server-child.ts), with the Node flags `npm run serve` gives it, then BENCH_SERVER_NODE_ARGS. */
export class ServerChild extends BenchChild {
  static async start(config: Record<string, unknown>): Promise<ServerChild> {
    const { child, url } = await BenchChild.fork('server-child.ts', { BENCH_SERVER_CONFIG: JSON.stringify(config) }, ['--expose-gc', ...SERVER_NODE_FLAGS, ...nodeArgs()]);
    return new ServerChild(child, url);
  }

  /** Full GC in the child, then its RSS and heap. */
  async memory(): Promise<{ rss: number; heap: number }> {
    const { memory: usage } = await this.ask({ type: 'gc' }, 'memory');
    return { rss: rssOf(this.child.pid ?? 0), heap: usage.heapUsed + usage.external };
  }

  /** Its in-process simulator's speed (when it has one). */
  async setSimSpeed(speed: number): Promise<void> {
    await this.ask({ type: 'speed', speed }, 'speed');
  }
}

/** The simulator over HTTP (sim-child.ts). */
export class SimChild extends BenchChild {
  static async start(): Promise<SimChild> {
    const { child, url } = await BenchChild.fork('sim-child.ts', {});
    return new SimChild(child, url);
  }

  async setSpeed(speed: number): Promise<void> {
    await this.ask({ type: 'speed', speed }, 'speed');
  }
}

/** The bare pass-through proxy (proxy-child.ts) in front of `target`: the floor for a second hop. */
export class ProxyChild extends BenchChild {
  static async start(target: string): Promise<ProxyChild> {
    const { child, url } = await BenchChild.fork('proxy-child.ts', { PROXY_TARGET: target });
    return new ProxyChild(child, url);
  }
}

/** The request specs for both paths: straight to the simulator, and through the server. */
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

/**
 * Where the server's model is: 'in-process' is the simulator inside the server's process, answering
 * the SDK's fetch (the server's default, `npm run serve`); 'http' is the simulator at simUrl over
 * HTTP, a second network hop as with a live provider.
 */
export type Upstream = 'in-process' | 'http';

export const serverConfig = (upstream: Upstream, simUrl: string, dataDir: string) => ({
  port: 0,
  provider: 'sim',
  simUrl: upstream === 'http' ? simUrl : null,
  simSpeed: 0,
  simWire: 'anthropic',
  dataDir,
  store: 'sqlite',
  maxTokens: MAX_TOKENS,
});
