import { execFileSync } from 'node:child_process';
import type { ThrowawayRedis } from '../../demo/redis-server.js';

/** Where Debian's `redis-server` package puts the binary; any on PATH is used. */
function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The `redis-server` on PATH, if any. */
export const redisServerPath = findRedisServer();

/**
 * Whether the Redis tests run: where `redis-server` is on PATH, or where CI
 * says they must (REQUIRE_REDIS=1), so that there a missing server fails
 * instead of skipping.
 */
export const redisTestsRun = redisServerPath !== undefined || process.env.REQUIRE_REDIS === '1';

if (!redisTestsRun) {
  console.warn('Redis tests skipped: no redis-server on PATH (apt-get install redis-server)');
}

export { freePort } from '../../demo/free-port.js';

/** A `redis-server` started for a test: the demo's throwaway server (loopback, no persistence). */
export type RedisServer = ThrowawayRedis;

export { type StartRedisServerOptions, startRedisServer } from '../../demo/redis-server.js';
