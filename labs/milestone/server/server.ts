/**
 * startServer(config): open the store and the provider, build the app and
 * serve it on 127.0.0.1 with @hono/node-server. close() is the clean
 * shutdown: stop accepting, let running replies finish (or cut and save them
 * after the grace period), close the connections, then the SQLite
 * checkpointer and the store.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { openStore, type SessionStore } from '../../../modules/persistence/reference/index.ts';
import { createApp, type MilestoneApp } from './app.ts';
import { SAFETY_NET_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { DEFAULTS, type ServerConfig } from './config.ts';
import { openProvider, type ProviderHandle } from './provider.ts';

export interface ServerOptions extends Partial<ServerConfig> {
  /** Where the request log goes. Default: stdout, unless quiet. */
  log?: (line: string) => void;
  /** Use this store instead of opening one (tests). It is closed with the server. */
  storeInstance?: SessionStore;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  config: ServerConfig;
  app: MilestoneApp;
  store: SessionStore;
  provider: ProviderHandle;
  /** Shut down cleanly; resolves when everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

export const sqlitePathOf = (config: ServerConfig): string => path.join(config.dataDir, 'milestone.db');

/** The store a server runs on, with what keeps it healthy while it runs. */
export interface ConfiguredStore {
  store: SessionStore;
  /** Tell the store's SQLite checkpointer that a turn was stored (absent with Redis alone). */
  onTurnSaved?: () => void;
  /** Close the checkpointer (when there is one), then the store. */
  close(): Promise<void>;
}

/**
 * The configured store, ready to serve. With SQLite in it (sqlite, tiered), the server's own
 * connection checkpoints only as a safety net, so the store comes with the worker that checkpoints
 * its WAL (checkpointer.ts): the two are opened together so that no caller gets one without the other.
 */
export async function openConfiguredStore(config: ServerConfig, log: (line: string) => void = () => {}): Promise<ConfiguredStore> {
  const redis = { url: config.redisUrl, prefix: config.redisPrefix, ttlSeconds: config.redisTtlSeconds };
  if (config.store === 'redis') {
    const store = await openStore('redis', redis);
    return { store, close: () => store.close() };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const sqlite = { path: sqlitePathOf(config), autoCheckpointPages: SAFETY_NET_PAGES };
  const store = config.store === 'sqlite' ? await openStore('sqlite', sqlite) : await openStore('tiered', { sqlite, redis });
  let checkpointer: Checkpointer;
  try {
    checkpointer = startCheckpointer(sqlite.path, { log });
  } catch (e) {
    await store.close(); // nothing left half-open
    throw e;
  }
  return {
    store,
    onTurnSaved: () => checkpointer.turnSaved(),
    close: async () => {
      await checkpointer.close();
      await store.close();
    },
  };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const { log: logOption, storeInstance, ...overrides } = options;
  const config: ServerConfig = { ...DEFAULTS, ...overrides };
  if (!LOOPBACK.includes(config.host)) throw new Error(`The milestone server binds to loopback only; ${config.host} is not a loopback address.`);
  const log = config.quiet ? () => {} : (logOption ?? ((line: string) => console.log(line)));
  const provider = openProvider(config);
  const opened: ConfiguredStore = storeInstance ? { store: storeInstance, close: () => storeInstance.close() } : await openConfiguredStore(config, log);
  const { store } = opened;
  const app = createApp({
    store,
    adapter: provider.adapter,
    model: provider.model,
    summaryModel: provider.summaryModel,
    maxTokens: config.maxTokens,
    context: { strategy: config.contextStrategy, maxTokens: config.contextMaxTokens, keepTurns: config.contextKeepTurns },
    onDisconnect: config.onDisconnect,
    stallTimeoutMs: config.stallTimeoutMs,
    log,
    onTurnSaved: opened.onTurnSaved,
  });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
      s.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new Error(`Port ${config.port} on ${config.host} is in use. Pick another with --port (or PORT), or stop what is using it.`) : e),
      );
    });
  } catch (e) {
    provider.close();
    await opened.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const httpServer = server as import('node:http').Server;
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await app.chat.shutdown(config.shutdownGraceMs);
      // Let the last events (error, done) reach the clients, then hang up on whoever is left.
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
      httpServer.closeAllConnections();
      await stopped;
      provider.close();
      await opened.close();
    })());

  return { url: `http://${config.host === '::1' ? '[::1]' : config.host}:${port}`, port, config, app, store, provider, close };
}
