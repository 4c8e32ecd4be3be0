/** Helpers for the reference's own tests (in-process servers in temporary folders). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

export interface TestServer extends RunningServer {
  /** Every request-log line. */
  lines: string[];
  dataDir: string;
  /** Close the server and remove its folder. */
  dispose(): Promise<void>;
}

/** A reference server on a free port, SQLite in a fresh folder, the simulator in-process (instant unless told). */
export async function testServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'milestone-test-'));
  const lines: string[] = [];
  const server = await startServer({ port: 0, simSpeed: 0, shutdownGraceMs: 200, ...options, dataDir, log: (line) => lines.push(line) });
  return {
    ...server,
    lines,
    dataDir,
    dispose: async () => {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
