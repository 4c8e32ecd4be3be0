import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { killTree } from '../lib/run-suite.ts';
import { netGuardSource } from './net-guard.ts';
import type { Containment, ContainmentLevel } from './types.ts';

/**
 * How a submission's code is contained, best effort, on this machine:
 *
 * - namespaces: `unshare` gives every child its own user, network, PID and
 *   mount namespaces: loopback is the only network (a private redis-server
 *   runs inside when the suite needs one), the whole tree dies with its
 *   first process, /proc shows only the sandbox, the grader's HOME, the
 *   submissions and the report folder are hidden, the workbench is read-only.
 * - network: network and PID namespaces only (no mount namespace).
 * - process: nothing from the kernel; a preloaded guard refuses
 *   non-loopback connections from Node (bypassable), Redis is shared (the
 *   suites use random key prefixes).
 * Every level scrubs the environment, uses a temporary HOME and TMPDIR, and
 * kills the whole process group on timeout.
 */
export interface Capabilities {
  level: ContainmentLevel;
  redisServer: string | null;
  why: string;
}

function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

let probed: Capabilities | null = null;

/** Find the strongest level this machine allows (once per process). `force` caps it. */
export function probeCapabilities(force: 'auto' | ContainmentLevel = 'auto'): Capabilities {
  if (!probed) {
    const redisServer = which('redis-server');
    const ns = ['-r', '-n', '-p', '-f', '--kill-child'];
    const tryRun = (args: string[], script: string) => spawnSync('unshare', [...args, 'sh', '-c', script], { encoding: 'utf8', timeout: 10_000 }).status === 0;
    if (!which('unshare') || !which('ip')) probed = { level: 'process', redisServer, why: 'unshare or ip is not installed' };
    else if (tryRun([...ns, '--mount-proc'], 'ip link set lo up && mount -t tmpfs tmpfs /tmp')) probed = { level: 'namespaces', redisServer, why: '' };
    else if (tryRun(ns, 'ip link set lo up')) probed = { level: 'network', redisServer, why: 'mount namespaces are not allowed here' };
    else probed = { level: 'process', redisServer, why: 'user namespaces are not allowed here (unshare -rn failed)' };
  }
  const order: ContainmentLevel[] = ['process', 'network', 'namespaces'];
  if (force !== 'auto' && order.indexOf(force) < order.indexOf(probed.level)) return { ...probed, level: force, why: `capped at ${force} by --containment` };
  return probed;
}

export interface SandboxSpec {
  caps: Capabilities;
  /** The grading folder (pristine suites + the submission's exercises); stays writable. */
  gradingDir: string;
  /** Where gradingDir is held while its parent is hidden (namespaces level only). */
  holdDir: string;
  /** Folder that holds every submission's grading folder: hidden, except this submission's. */
  gradingParent: string;
  /** Folders to hide (submissions, reports, the grader's HOME). */
  hide: string[];
  /** Folders to make read-only (the workbench). */
  readOnly: string[];
  /** Start a private redis-server inside (namespace levels). */
  redis: boolean;
  /** Working directory of the wrapped command. */
  cwd?: string;
  /** Commands started in the background before it (e.g. the provider simulator), killed with the sandbox. */
  background?: string[][];
}

export const REDIS_IN_SANDBOX = 'redis://127.0.0.1:6379';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell script that sets the sandbox up inside the namespaces, then runs "$@". */
function setupScript(spec: SandboxSpec): string {
  const lines = ['set -e'];
  if (spec.caps.level !== 'process') lines.push('ip link set lo up');
  if (spec.caps.level === 'namespaces') {
    for (const dir of spec.readOnly.filter(existsSync)) lines.push(`mount --bind ${q(dir)} ${q(dir)}`, `mount -o remount,bind,ro ${q(dir)}`);
    lines.push(`mount --bind ${q(spec.gradingDir)} ${q(spec.holdDir)}`, `mount -t tmpfs -o size=16m tmpfs ${q(spec.gradingParent)}`, `mkdir -p ${q(spec.gradingDir)}`, `mount --move ${q(spec.holdDir)} ${q(spec.gradingDir)}`);
    // Hide each folder; what must stay visible inside one (the workbench, this grading folder) is
    // bound aside first and moved back on top of the empty tmpfs.
    const keep = [spec.gradingDir, ...spec.readOnly];
    const within = (k: string, dir: string) => k === dir || k.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
    let n = 0;
    for (const dir of spec.hide.filter((d) => existsSync(d) && d !== '/' && !keep.includes(d))) {
      const inside = keep.filter((k) => within(k, dir));
      const holds = inside.map(() => `${spec.holdDir}.keep${n++}`);
      inside.forEach((k, i) => lines.push(`mkdir -p ${q(holds[i])}`, `mount --bind ${q(k)} ${q(holds[i])}`));
      lines.push(`mount -t tmpfs -o size=1m tmpfs ${q(dir)}`);
      inside.forEach((k, i) => lines.push(`mkdir -p ${q(k)}`, `mount --move ${q(holds[i])} ${q(k)}`));
    }
  }
  if (spec.redis && spec.caps.redisServer && spec.caps.level !== 'process') {
    const dir = path.join(spec.gradingDir, '.redis');
    lines.push(
      `mkdir -p ${q(dir)}`,
      `${q(spec.caps.redisServer)} --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir ${q(dir)} --logfile ${q(path.join(dir, 'log'))} --daemonize yes`,
      `i=0; until ${which('redis-cli') ? `redis-cli -p 6379 ping >/dev/null 2>&1` : `[ -e /proc/net/tcp ] && grep -q ':18EB ' /proc/net/tcp`}; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.05; done`,
    );
  }
  for (const argv of spec.background ?? []) lines.push(`${argv.map(q).join(' ')} >/dev/null 2>&1 &`);
  if (spec.cwd) lines.push(`cd ${q(spec.cwd)}`);
  lines.push('set +e', '"$@"', 'exit $?');
  return lines.join('\n');
}

/** Wrap a command line so it runs inside the sandbox. */
export function wrapCommand(spec: SandboxSpec, argv: string[]): string[] {
  if (spec.caps.level === 'process') return spec.background?.length ? ['sh', '-c', setupScript(spec), 'sandbox', ...argv] : argv;
  const ns = ['unshare', '-r', '-n', '-p', '-f', '--kill-child'];
  if (spec.caps.level === 'namespaces') ns.push('--mount-proc');
  return [...ns, 'sh', '-c', setupScript(spec), 'sandbox', ...argv];
}

const KEEP = ['PATH', 'NODE_ENV', 'TZ', 'LANG', 'LC_ALL', 'LC_CTYPE', 'LANGUAGE'];

/**
 * The environment a submission sees: nothing of the grader's but the locale,
 * PATH and the time zone; HOME and TMPDIR are its own folders; the network
 * guard is preloaded into every Node process.
 */
export function sandboxEnv(spec: SandboxSpec, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of KEEP) if (process.env[k] !== undefined) env[k] = process.env[k];
  const home = path.join(spec.gradingDir, '.home');
  const tmp = path.join(spec.gradingDir, '.tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const guard = path.join(spec.gradingDir, '.grader', 'net-guard.mjs');
  mkdirSync(path.dirname(guard), { recursive: true });
  writeFileSync(guard, netGuardSource);
  Object.assign(env, {
    HOME: home,
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NODE_OPTIONS: `--import ${pathToFileURL(guard).href}`,
    GRADER_NET_LOG: path.join(spec.gradingDir, '.grader', 'network.jsonl'),
    GRADER_NET_GUARD: spec.caps.level === 'process' ? 'block' : 'log',
    ...extra,
  });
  return env;
}

/** What the report says about containment: honest, per dimension. */
export function describeContainment(caps: Capabilities, redis: 'private' | 'shared' | 'unavailable'): Containment {
  const ns = caps.level !== 'process';
  return {
    level: caps.level,
    network: ns ? 'loopback only (network namespace)' : 'not isolated by the kernel; a preloaded guard refuses non-loopback connections from Node (best effort, bypassable)',
    processes: ns ? 'PID namespace: the whole tree is killed with the sandbox; /proc shows only the sandbox' + (caps.level === 'namespaces' ? '' : ' (not remounted)') : 'own process group, killed on timeout (a process that leaves the group survives)',
    filesystem:
      caps.level === 'namespaces'
        ? "mount namespace: the workbench is read-only; the grader's HOME, the submissions, the reports and other submissions' grading folders are hidden; the rest of the file system is visible"
        : 'not isolated: the submission runs as the grader\'s user with a temporary HOME and TMPDIR',
    environment: 'scrubbed: PATH, locale, time zone and NODE_ENV only, plus the suites\' own variables; HOME and TMPDIR are temporary',
    redis: redis === 'private' ? 'a private redis-server inside the sandbox' : redis === 'shared' ? 'the shared Redis server, under random key prefixes' : 'unavailable: the Redis tests are not graded',
    notes: [
      ...(caps.why ? [caps.why] : []),
      'residual risk: the results file, the network log and the grading folder are writable inside the sandbox, so a determined submission could forge its own results; the grader checks test names against the pristine suites and reports any change to its files',
    ],
  };
}

export interface SandboxRun {
  code: number | null;
  timedOut: boolean;
  stderr: string;
  stdout: string;
  durationMs: number;
}

/** Run a command inside the sandbox with a time limit; the whole tree is killed on timeout. */
export function runInSandbox(spec: SandboxSpec, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<SandboxRun> {
  const [command, ...args] = wrapCommand(spec, argv);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: spec.cwd ?? spec.gradingDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, timeoutMs);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stderr, stdout, durationMs: performance.now() - started });
    };
    child.on('error', (e) => {
      stderr += e.message;
      finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}
