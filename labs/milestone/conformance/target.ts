/**
 * The server under test, chosen by the environment (the CLI sets it):
 *
 *   MILESTONE_URL        where it listens, e.g. http://127.0.0.1:8000
 *   MILESTONE_SPAWN      a shell command that starts it (so the suite can restart and crash it);
 *                        run with `sh -c` in the current directory, with PORT set from the URL
 *   MILESTONE_FAULTS=0   the server is not on this project's simulator: skip fault tests
 *   MILESTONE_START_TIMEOUT_MS   how long to wait for it to answer (default 30000)
 *
 * With neither URL nor command, the suite starts the reference itself (npm test does this):
 * SQLite in a temporary folder, the simulator in-process at speed 0.1, a 2,000-token context limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Target {
  url: string;
  description: string;
  /** Can the suite stop and start it (a command, or the reference)? */
  canRestart: boolean;
  /** Does [[fault:<kind>]] reach this project's simulator? */
  faults: boolean;
  start(): Promise<void>;
  /** start() once, remembered: every test awaits it, so a server that never came up fails each test with the reason. */
  ready(): Promise<void>;
  /** SIGTERM, wait for it to exit, start it again. */
  restart(): Promise<void>;
  /** SIGKILL (no chance to clean up), then start it again. */
  crashAndRestart(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

/** Does anything answer HTTP at this URL? */
export async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/sessions/conformance-probe/stats`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Command {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Servers still running. The suite starts them in their own process group (so a restart reaches
 * everything a command like `npm run serve` started), which also means a kill of the suite's group
 * would miss them: kill them on the way out, whatever the way out is.
 */
const live = new Set<Spawned>();
process.once('exit', () => {
  for (const s of live) s.kill();
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const s of live) s.kill();
    process.exit(130);
  });
}

/** A server process the suite owns: started in its own process group, so a kill reaches everything it started. */
class Spawned {
  #child: ChildProcess | null = null;
  #output = '';
  constructor(
    private readonly command: Command,
    private readonly url: string,
    private readonly startTimeoutMs: number,
  ) {
    live.add(this);
  }

  /** Last resort (the suite is exiting or being killed): take the server down with it. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  async start(): Promise<void> {
    if (await answers(this.url)) throw new Error(`Something already answers at ${this.url}: stop it, or run the suite with --url only (without --spawn).`);
    this.#output = '';
    const child = spawn(this.command.file, this.command.args, { cwd: process.cwd(), env: this.command.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const keep = (d: Buffer) => (this.#output = (this.#output + d.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The server exited (${child.exitCode ?? child.signalCode}) before answering at ${this.url}. Its output:\n${this.#output}`);
      if (await answers(this.url)) return;
      await sleep(100);
    }
    throw new Error(`The server did not answer at ${this.url} within ${this.startTimeoutMs} ms. Its output:\n${this.#output}`);
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#child?.exitCode !== null || this.#child?.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.#child?.kill(signal);
    }
  }

  /** Signal it, wait for it to exit (SIGKILL after `graceMs`), and for the port to be free. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#signal(signal);
    const timer = setTimeout(() => this.#signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.#signal('SIGKILL'); // anything left in its group (a wrapper's child)
    for (let i = 0; i < 100 && (await answers(this.url)); i++) await sleep(100);
    this.#child = null;
  }
}

function fromCommand(url: string, command: string, faults: boolean, startTimeoutMs: number): Unready {
  const port = new URL(url).port || '80';
  const server = new Spawned({ file: 'sh', args: ['-c', command], env: { ...process.env, PORT: port } }, url, startTimeoutMs);
  return {
    url,
    description: `${url} (started with: ${command})`,
    canRestart: true,
    faults,
    start: () => server.start(),
    restart: async () => {
      await server.stop('SIGTERM');
      await server.start();
    },
    crashAndRestart: async () => {
      await server.stop('SIGKILL');
      await server.start();
    },
    close: () => server.stop('SIGTERM'),
  };
}

function reference(startTimeoutMs: number): Unready {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-conformance-'));
  let server: Spawned | null = null;
  const running = (): Spawned => {
    if (!server) throw new Error('start() the target first');
    return server;
  };
  const target: Unready = {
    url: '', // known once started: a free port is picked then
    description: 'the reference (labs/milestone/server), started by the suite',
    canRestart: true,
    faults: true,
    start: async () => {
      if (!server) {
        const port = await freePort();
        target.url = `http://127.0.0.1:${port}`;
        const main = path.join(repoRoot, 'labs', 'milestone', 'server', 'main.ts');
        const env: NodeJS.ProcessEnv = { ...process.env, SIM_SPEED: '0.1', CONTEXT_MAX_TOKENS: '2000', STALL_TIMEOUT_MS: '20000', QUIET: '1' };
        for (const name of ['PORT', 'STORE', 'DATA_DIR', 'PROVIDER', 'SIM_URL', 'CONTEXT_STRATEGY', 'CONTEXT_KEEP_TURNS', 'ON_DISCONNECT']) delete env[name];
        server = new Spawned({ file: process.execPath, args: ['--import', 'tsx', main, '--port', String(port), '--data-dir', dataDir], env }, target.url, startTimeoutMs);
      }
      await server.start();
    },
    restart: async () => {
      await running().stop('SIGTERM');
      await running().start();
    },
    crashAndRestart: async () => {
      await running().stop('SIGKILL');
      await running().start();
    },
    close: async () => {
      await server?.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return target;
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const base = chooseTarget(env);
  let started: Promise<void> | null = null;
  return Object.assign(base, { ready: () => (started ??= base.start()) }); // the same object: the reference sets its url when started
}

type Unready = Omit<Target, 'ready'>;

function chooseTarget(env: NodeJS.ProcessEnv): Unready {
  const url = env.MILESTONE_URL?.replace(/\/+$/, '');
  const command = env.MILESTONE_SPAWN;
  const faults = env.MILESTONE_FAULTS !== '0';
  const startTimeoutMs = Number(env.MILESTONE_START_TIMEOUT_MS ?? 30_000);
  if (command && !url) throw new Error('MILESTONE_SPAWN needs MILESTONE_URL too: the suite must know where the command makes the server listen.');
  if (url && command) return fromCommand(url, command, faults, startTimeoutMs);
  if (url) {
    const plain: Unready = {
      url,
      description: `${url} (already running; restarts not possible)`,
      canRestart: false,
      faults,
      start: async () => {
        if (!(await answers(url))) throw new Error(`Nothing answers at ${url}. Start your server first, or pass --spawn "<command>".`);
      },
      restart: () => Promise.reject(new Error('restart needs --spawn')),
      crashAndRestart: () => Promise.reject(new Error('restart needs --spawn')),
      close: async () => {},
    };
    return plain;
  }
  return reference(startTimeoutMs);
}
