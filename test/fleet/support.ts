import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from '../redis/redis-server.js';
import { type MemberProcess, startMembers } from './fleet.js';

let counter = 0;

/** A pool name no other test of this run uses. */
export function uniquePoolName(label: string): string {
  return `fleet-${label}-${process.pid}-${counter++}`;
}

/**
 * One `redis-server` for the suite, and member processes closed after each
 * test (even failed ones), so no process outlives its test.
 */
export function fleetSuite() {
  let server: RedisServer | undefined;
  const running: MemberProcess[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server(): RedisServer {
      if (!server) throw new Error('redis-server not started');
      return server;
    },
    /** Starts `count` members of a fresh pool on the suite's server. */
    async members(label: string, count: number, leaseTtl: number, url?: string): Promise<MemberProcess[]> {
      const members = await startMembers(
        { url: url ?? this.server.url, pool: uniquePoolName(label), leaseTtl },
        count,
        `${label}-`,
      );
      running.push(...members);
      return members;
    },
    /** Closes these members after the test too. */
    adopt(...members: MemberProcess[]): void {
      running.push(...members);
    },
  };
}
