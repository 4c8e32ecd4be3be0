/** The reference server's command line: flags, environment, defaults, --help and clear errors. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../scripts/lib/cli.ts';
import { DEFAULTS, SERVER_NODE_FLAGS, configFrom } from './config.ts';

const main = path.join(import.meta.dirname, 'main.ts');
const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 20_000 });

describe('milestone server: configuration', () => {
  it('has the offline defaults: 127.0.0.1:8000, SQLite under ./data, the simulator, a 50k window of 10 turns', () => {
    const config = configFrom({}, {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8000, store: 'sqlite', provider: 'sim', simUrl: null, contextStrategy: 'window', contextMaxTokens: 50_000, contextKeepTurns: 10, onDisconnect: 'finish' });
    expect(config.dataDir).toBe(path.resolve('./data'));
  });

  it('reads the environment, and a flag beats its variable', () => {
    const env = { PORT: '9001', STORE: 'redis', CONTEXT_MAX_TOKENS: '4000', CONTEXT_STRATEGY: 'summary', ON_DISCONNECT: 'abort', SIM_SPEED: '0.5', QUIET: '1' };
    expect(configFrom({}, env)).toMatchObject({ port: 9001, store: 'redis', contextMaxTokens: 4000, contextStrategy: 'summary', onDisconnect: 'abort', simSpeed: 0.5, quiet: true });
    expect(configFrom({ port: '9002', 'context-max-tokens': '5000' }, env)).toMatchObject({ port: 9002, contextMaxTokens: 5000 });
    expect(configFrom({}, { PORT: '' }).port).toBe(DEFAULTS.port);
  });

  it('npm run serve passes the server\'s Node flags to node (before the script: after it they would be the server\'s own flags)', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [runner, ...rest] = pkg.scripts.serve.split(/\s+/);
    const script = rest.indexOf('labs/milestone/server/main.ts');
    expect(runner).toBe('tsx');
    expect(script).toBeGreaterThanOrEqual(0);
    expect(rest.slice(0, script)).toEqual([...SERVER_NODE_FLAGS]);
  });

  it('refuses bad values with the flag named', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ port: 'eighty' }, /--port must be a number/],
      [{ port: '70000' }, /--port/],
      [{ store: 'postgres' }, /--store must be one of sqlite, redis, tiered/],
      [{ 'context-keep-turns': '0' }, /--context-keep-turns/],
      [{ 'context-max-tokens': '150.5' }, /whole number/],
      [{ 'on-disconnect': 'ignore' }, /--on-disconnect must be one of finish, abort/],
      [{ 'sim-url': 'https://api.anthropic.com' }, /must point at this machine/],
      [{ 'sim-url': 'not a url' }, /must be a URL/],
    ];
    for (const [values, message] of bad) {
      expect(() => configFrom(values, {}), JSON.stringify(values)).toThrow(UsageError);
      expect(() => configFrom(values, {})).toThrow(message);
    }
  });

  it('--help lists every flag with its variable; an unknown flag exits 2 with a hint', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const text of ['--port <n>', '[PORT]', '--store <kind>', '--context-max-tokens', '[CONTEXT_MAX_TOKENS]', '--on-disconnect', '--provider', '--sim-url']) expect(help.stdout).toContain(text);
    const unknown = run(['--prot', '8000']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/error: .*--prot.*\n.*--help/s);
    const badValue = run(['--store', 'mongo']);
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toContain('--store must be one of sqlite, redis, tiered; got "mongo"');
  }, 30_000);

  it('a live provider without its key is a clear error, and nothing is contacted', () => {
    const r = run(['--provider', 'anthropic', '--port', '0', '--data-dir', path.join(repoRoot, 'data', 'never-created')], { ANTHROPIC_API_KEY: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--provider anthropic needs ANTHROPIC_API_KEY');
  }, 30_000);

  it('starts, answers, and shuts down cleanly on SIGTERM (exit 0), keeping what it stored', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'milestone-cli-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--data-dir', dataDir, '--sim-speed', '0'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening on" line: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const r = await fetch(`${url}/chat/stream/new`, { method: 'POST', body: JSON.stringify({ message: 'Hello' }) });
      expect(await r.text()).toMatch(/"done":true/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(out).toMatch(/POST \/chat\/stream\/new 200 session=\S+ done \d+ms/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('Stopped cleanly.');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
