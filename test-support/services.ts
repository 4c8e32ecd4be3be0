import net from 'node:net';

/**
 * Optional services for tests (Redis, a real browser). On a learner's machine
 * a missing service skips its tests with one visible line; in CI
 * (REQUIRE_REDIS=1 / REQUIRE_BROWSER=1) a missing service fails the run, so
 * nothing skips silently.
 */
export interface ServiceCheck {
  available: boolean;
  /** Why it is unavailable, for the one skip line. */
  reason: string;
}

const announced = new Set<string>();

function decide(name: string, envFlag: string, check: ServiceCheck): boolean {
  if (check.available) return true;
  if (process.env[envFlag] === '1') {
    throw new Error(`${name} is required (${envFlag}=1) but unavailable: ${check.reason}`);
  }
  if (!announced.has(name)) {
    announced.add(name);
    process.stderr.write(`[skip] ${name} tests skipped: ${check.reason} (set ${envFlag}=1 to make this an error)\n`);
  }
  return false;
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Is a Redis server answering PING at REDIS_URL? */
export async function checkRedis(url = REDIS_URL, timeoutMs = 1000): Promise<ServiceCheck> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (result: ServiceCheck) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ available: false, reason: `no answer from Redis at ${url} within ${timeoutMs} ms` }));
    socket.on('error', (e) => done({ available: false, reason: `cannot connect to Redis at ${url} (${e.message})` }));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) =>
      done(d.toString().startsWith('+PONG') ? { available: true, reason: '' } : { available: false, reason: `unexpected reply from ${url}: ${d.toString().trim()}` }),
    );
  });
}

/** true: run the Redis tests; false: skip them (already announced); throws when required but missing. */
export async function useRedis(): Promise<boolean> {
  return decide('Redis', 'REQUIRE_REDIS', await checkRedis());
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** true: run the browser tests; false: skip them; throws when required but missing. */
export async function useBrowser(): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  const check: ServiceCheck = existsSync(CHROMIUM_PATH)
    ? { available: true, reason: '' }
    : { available: false, reason: `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)` };
  return decide('Browser', 'REQUIRE_BROWSER', check);
}
