/**
 * The network guard, preloaded (NODE_OPTIONS=--import) into every Node
 * process of a sandbox. It records every connection a process tries to open
 * to an address that is not loopback, and in "block" mode (the process
 * containment level, where the kernel does not isolate the network) refuses
 * it. It is plain JavaScript, written into the grading folder, so no loader
 * is needed. Best effort: code that restores the original connect() or
 * starts another program escapes it; the report says so.
 */
export const netGuardSource = String.raw`import net from 'node:net';
import { appendFileSync } from 'node:fs';

const log = process.env.GRADER_NET_LOG;
const block = process.env.GRADER_NET_GUARD === 'block';
const loopback = (host) => host === undefined || host === null || host === '' || host === 'localhost' || /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);

function target(args) {
  const [a, b] = Array.isArray(args[0]) ? args[0] : args;
  if (a !== null && typeof a === 'object') return { host: a.host, port: a.port, path: a.path };
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { path: a };
  return { port: a, host: typeof b === 'string' ? b : undefined };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (t.path === undefined && !loopback(t.host)) {
    try {
      if (log) appendFileSync(log, JSON.stringify({ host: String(t.host), port: Number(t.port), pid: process.pid, blocked: block, at: new Date().toISOString() }) + '\n');
    } catch {}
    if (block) {
      const error = Object.assign(new Error('connect EACCES ' + t.host + ':' + t.port + ' (the grader allows loopback connections only)'), { code: 'EACCES' });
      process.nextTick(() => this.destroy(error));
      return this;
    }
  }
  return connect.apply(this, args);
};
`;
