import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ForeignValueError, RedisPoolError } from '../../src/redis/index.js';
import type { TestClient } from './clients.js';
import { clientsAndShards, freshName, keyTag, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Long enough that no lease is lost while Redis refuses writes for a moment. */
const leaseTtl = 6_000;

/** How many calls Redis has refused with error code `code` so far (`INFO errorstats`). */
async function refusals(admin: TestClient, code: string): Promise<number> {
  const text = String(await admin.command(['INFO', 'errorstats']));
  return Number(new RegExp(`errorstat_${code}:count=(\\d+)`).exec(text)?.[1] ?? 0);
}

describe.runIf(redisTestsRun).each(clientsAndShards)(
  'a release that Redis refuses, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    let admin: TestClient;
    beforeAll(async () => {
      fleet = new TestFleet(server.current(), kind, shards);
      admin = await fleet.client();
    });
    afterEach(async () => {
      await admin.command(['CONFIG', 'SET', 'maxmemory', '0']);
      await fleet.close();
      admin = await fleet.client();
    });

    test('a release refused for a passing reason (OOM) is retried until it lands, and resolves then', async () => {
      const name = freshName();
      const [holder, other] = await fleet.pool(2, { name, leaseTtl });
      await holder?.set('x', 1);
      const lease = await holder?.acquire({ key: 'x' });
      const before = await refusals(admin, 'OOM');
      await admin.command(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await admin.command(['CONFIG', 'SET', 'maxmemory', '1']);
      let settled = false;
      const released = lease?.release().finally(() => {
        settled = true;
      });
      await waitFor(async () => (await refusals(admin, 'OOM')) > before, { what: 'an OOM refusal of the release' });
      expect(settled).toBe(false);
      await admin.command(['CONFIG', 'SET', 'maxmemory', '0']);
      await expect(released).resolves.toBeUndefined();
      expect(await other?.get('x')).toEqual({ target: 1, active: 0 });
      expect(lease?.signal.aborted).toBe(false);
    });

    test('a release refused for good rejects, keeps the lease held, and can be called again', async () => {
      const name = freshName();
      const [holder, other] = await fleet.pool(2, { name, leaseTtl });
      await holder?.set('x', 1);
      const lease = await holder?.acquire({ key: 'x' });
      // A foreign value where the release must write: refused by name, nothing written (D8).
      const planted = `${keyTag(name, 'x', shards)}l:x`;
      const saved = (await admin.command(['ZRANGE', planted, '0', '-1', 'WITHSCORES'])) as string[];
      await admin.command(['SET', planted, 'foreign']);
      await expect(lease?.release()).rejects.toBeInstanceOf(ForeignValueError);
      await admin.command(['DEL', planted]);
      for (let i = 0; i < saved.length; i += 2) {
        await admin.command(['ZADD', planted, saved[i + 1] as string, saved[i] as string]);
      }
      expect(await other?.get('x')).toEqual({ target: 1, active: 1 });
      await expect(lease?.release()).resolves.toBeUndefined();
      expect(await other?.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('a refusal for good is not transient; an OOM refusal is', async () => {
      const name = freshName();
      const [pool] = await fleet.pool(1, { name, leaseTtl });
      await admin.command(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await admin.command(['CONFIG', 'SET', 'maxmemory', '1']);
      const oom = await pool?.set('y', 1).catch((error: unknown) => error);
      expect(oom).toBeInstanceOf(RedisPoolError);
      expect(oom).toMatchObject({ refused: true, transient: true });
      expect((oom as Error).message).toMatch(/: OOM /);
    });
  },
);
